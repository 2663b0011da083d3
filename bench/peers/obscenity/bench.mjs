// The npm profanity filter `obscenity` on the corpus circles_moderation_bench measures
// (bench/corpus/chat.txt), with its English dataset and recommended transformers plus the
// same 1,000 extra keywords (bench/corpus/extra_keywords.txt) as whole-word phrases.
// For each message it finds every match (what a filter that masks needs), like `evaluate`.
//
//   node bench/peers/obscenity/bench.mjs [--seconds N] [--json]
//
// Prints messages per second on one core (Node.js runs this on one thread).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataSet,
  RegExpMatcher,
  englishDataset,
  englishRecommendedTransformers,
  parseRawPattern,
} from 'obscenity';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = process.env.CIRCLES_BENCH_CORPUS ?? join(here, '..', '..', 'corpus');
const lines = (file) =>
  readFileSync(join(corpusDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'));

const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 3) || 3;
const json = args.includes('--json');

const corpus = lines('chat.txt');
const extra = lines('extra_keywords.txt');

function build(withExtra) {
  const data = new DataSet().addAll(englishDataset);
  if (withExtra) {
    for (const w of extra) {
      data.addPhrase((p) =>
        p.setMetadata({ originalWord: w }).addPattern(parseRawPattern(`|${w}|`)),
      );
    }
  }
  return new RegExpMatcher({ ...data.build(), ...englishRecommendedTransformers });
}

function measure(matcher) {
  let i = 0;
  let sink = 0;
  // Warm up the JIT, then run for `seconds`.
  for (let k = 0; k < 20000; k++) sink += matcher.getAllMatches(corpus[k % corpus.length]).length;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let n = 0;
  for (;;) {
    for (let k = 0; k < 1000; k++, n++) {
      sink += matcher.getAllMatches(corpus[i++ % corpus.length]).length;
    }
    if (process.hrtime.bigint() - start >= budget) break;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { messages: n, seconds: elapsed, per_second: n / elapsed, matches: sink };
}

const result = {
  library: 'obscenity',
  version: JSON.parse(readFileSync(join(here, 'node_modules', 'obscenity', 'package.json'), 'utf8'))
    .version,
  corpus_messages: corpus.length,
  english_dataset: measure(build(false)).per_second,
  english_dataset_plus_1000: measure(build(true)).per_second,
};
if (json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`obscenity ${result.version}, ${corpus.length} corpus messages, one core`);
  console.log(`  English dataset:                 ${Math.round(result.english_dataset)} msg/s`);
  console.log(
    `  English dataset + 1,000 keywords: ${Math.round(result.english_dataset_plus_1000)} msg/s`,
  );
}
