// Generates TypeScript from ../../proto/circles/v1/circles.proto into src/gen/ using
// Debian's protoc and the locally installed protoc-gen-es plugin (no network).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const protoRoot = resolve(webDir, '../../proto');
const outDir = join(webDir, 'src/gen');
const plugin = join(webDir, 'node_modules/.bin/protoc-gen-es');
const protoc = process.env.PROTOC || 'protoc';

if (!existsSync(plugin)) {
  console.error('protoc-gen-es not found; run `npm ci` in clients/web first');
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
try {
  execFileSync(
    protoc,
    [
      `--plugin=protoc-gen-es=${plugin}`,
      `--es_out=${outDir}`,
      '--es_opt=target=ts,import_extension=none',
      `--proto_path=${protoRoot}`,
      'circles/v1/circles.proto',
    ],
    { stdio: 'inherit' },
  );
} catch (e) {
  console.error(`protoc failed (is protoc installed? apt-get install protobuf-compiler): ${e.message}`);
  process.exit(1);
}
console.log(`generated ${outDir}/circles/v1/circles_pb.ts`);
