// What every browser end-to-end test needs: the real `circles demo` server on a free port with a
// fresh data folder (cwd = repo root), and Debian's Chromium through playwright-core.
//
//   const circles = await startCircles({ env: { CIRCLES_POLICY_FILE: file } });
//   await circles.withPages('label', { alex: {}, counselor: { viewport } }, async ({ alex, counselor }) => { ... });
//   await circles.stop();
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const binEnv = process.env.CIRCLES_BIN || 'build/bin/circles';
const bin = isAbsolute(binEnv) ? binEnv : resolve(repoRoot, binEnv);
const artifacts = join(repoRoot, 'build/e2e-artifacts');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Every demo login's password. */
export const PASSWORD = 'circles-demo';
export const STEP_TIMEOUT = 15_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * Start `circles demo` (extra environment in `env`) and Chromium. Returns `baseURL`, `browser`,
 * `log()` (the server's recent output), `dumpLog()` (its tail on stderr), `withPages()` (below)
 * and `stop()` (SIGTERM, SIGKILL after 5 s; the data folder is removed).
 */
export async function startCircles({ env = {} } = {}) {
  assert.ok(existsSync(bin), `server binary not found at ${bin} (build it, or set CIRCLES_BIN)`);
  assert.ok(
    existsSync(join(repoRoot, 'build/web/index.html')),
    'build/web/index.html is missing: run `npm ci && npm run build` in clients/web first',
  );
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'circles-e2e-'));
  const baseURL = `http://127.0.0.1:${port}`;
  let serverLog = '';
  const server = spawn(bin, ['demo', '--listen', `127.0.0.1:${port}`, '--data', dataDir], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => {
    serverLog += chunk.toString();
    if (serverLog.length > 200_000) serverLog = serverLog.slice(-100_000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  const exited = () => server.exitCode !== null || server.signalCode !== null;

  let browser;
  async function stop() {
    try {
      await browser?.close();
    } catch {
      /* already gone */
    }
    if (!exited()) {
      const gone = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited()) {
        throw new Error(`circles exited early (code ${server.exitCode}, signal ${server.signalCode})\n${serverLog}`);
      }
      try {
        const res = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error(`circles did not answer 200 on ${baseURL}/healthz within 30 s\n${serverLog}`);
      await sleep(200);
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const dumpLog = () => {
    if (serverLog) console.error(`--- circles output (last 4000 chars) ---\n${serverLog.slice(-4000)}`);
  };

  /**
   * One browser context and page per person (`people`: {name: context options}), handed to
   * `run` as {name: page}. On failure: screenshots (LABEL-NAME.png) and the server's last
   * output; the contexts are closed either way.
   */
  async function withPages(label, people, run) {
    const contexts = {};
    const pages = {};
    try {
      for (const [name, options] of Object.entries(people)) {
        contexts[name] = await browser.newContext({ baseURL, ...options });
        pages[name] = await contexts[name].newPage();
      }
      await run(pages);
    } catch (err) {
      await screenshotAll(pages, label);
      dumpLog();
      throw err;
    } finally {
      for (const ctx of Object.values(contexts)) await ctx.close().catch(() => {});
    }
  }

  return { baseURL, browser, log: () => serverLog, dumpLog, withPages, stop };
}

/** Full-page screenshots of `pages` ({name: page}) into build/e2e-artifacts/LABEL-NAME.png. */
async function screenshotAll(pages, label) {
  mkdirSync(artifacts, { recursive: true });
  for (const [name, page] of Object.entries(pages)) {
    try {
      const file = join(artifacts, `${label}-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.error(`screenshot: ${file}`);
    } catch {
      /* page may be closed */
    }
  }
}
