// Browser end-to-end test: starts the real `circles demo` server, drives Debian's Chromium
// through playwright-core with two students, and checks that messages cross between them.
//
//   (cd tests/e2e && npm ci) && (cd clients/web && npm ci && npm run build)
//   CIRCLES_BIN=build/bin/circles node --test tests/e2e/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const binEnv = process.env.CIRCLES_BIN || 'build/bin/circles';
const bin = isAbsolute(binEnv) ? binEnv : resolve(repoRoot, binEnv);
const artifacts = join(repoRoot, 'build/e2e-artifacts');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PASSWORD = 'circles-demo';
const ROOM = 'Lunch Bunch';
const STEP_TIMEOUT = 15_000;

let server; // ChildProcess
let serverLog = '';
let dataDir;
let baseURL;
let browser;

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`circles exited early (code ${server.exitCode}, signal ${server.signalCode})\n${serverLog}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  throw new Error(`circles did not answer 200 on ${url} within ${timeoutMs} ms\n${serverLog}`);
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

before(async () => {
  assert.ok(existsSync(bin), `server binary not found at ${bin} (build it, or set CIRCLES_BIN)`);
  assert.ok(
    existsSync(join(repoRoot, 'build/web/index.html')),
    'build/web/index.html is missing: run `npm ci && npm run build` in clients/web first',
  );
  const port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'circles-e2e-'));
  baseURL = `http://127.0.0.1:${port}`;
  server = spawn(bin, ['demo', '--listen', `127.0.0.1:${port}`, '--data', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk) => {
    serverLog += chunk.toString();
    if (serverLog.length > 200_000) serverLog = serverLog.slice(-100_000);
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  await waitHealthy(`${baseURL}/healthz`, 30_000);
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
});

after(async () => {
  try {
    await browser?.close();
  } catch {
    /* already gone */
  }
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

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

async function logIn(page, username) {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Your rooms' }).waitFor({ timeout: STEP_TIMEOUT });
  await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: STEP_TIMEOUT });
  const name = (await page.getByTestId('my-name').textContent())?.trim() ?? '';
  assert.ok(name.length > 0, `${username} has a display name`);
  assert.notEqual(name, username, 'the UI shows a pseudonym, not the username');
  return name;
}

async function openRoom(page, roomName) {
  await page.getByRole('navigation', { name: 'Your rooms' }).getByRole('button', { name: roomName }).click();
  await page.getByRole('heading', { level: 2, name: roomName }).waitFor({ timeout: STEP_TIMEOUT });
  await page.getByText('Joining…').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
}

async function send(page, text) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** The message list items holding `text` (there must end up being exactly one). */
function messageItems(page, text) {
  return page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });
}

/** Wait until `text` is shown, delivered (not pending), exactly once, and stays that way. */
async function expectShownOnce(page, text, senderName) {
  const items = messageItems(page, text);
  await items.first().waitFor({ timeout: STEP_TIMEOUT });
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    const n = await items.count();
    const pending = await items.filter({ hasText: /Sending…|Not sent/ }).count();
    if (n === 1 && pending === 0) break;
    if (Date.now() > deadline) assert.fail(`expected "${text}" once and delivered, saw ${n} (pending ${pending})`);
    await sleep(100);
  }
  await sleep(500); // a late duplicate (echo after ack, replay) would show up by now
  assert.equal(await items.count(), 1, `"${text}" is shown exactly once`);
  if (senderName) {
    const meta = (await items.first().textContent()) ?? '';
    assert.ok(meta.includes(senderName), `"${text}" is shown with its sender's display name ${senderName}`);
  }
}

test('two students chat in Lunch Bunch', { timeout: 120_000 }, async () => {
  const alexCtx = await browser.newContext({ baseURL });
  const samCtx = await browser.newContext({ baseURL });
  const alex = await alexCtx.newPage();
  const sam = await samCtx.newPage();
  try {
    const alexName = await logIn(alex, 'alex');
    const samName = await logIn(sam, 'sam');
    assert.notEqual(alexName, samName);

    await openRoom(alex, ROOM);
    await openRoom(sam, ROOM);

    const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const hello = `hello from alex ${stamp}`;
    await send(alex, hello);
    await expectShownOnce(alex, hello, alexName);
    await expectShownOnce(sam, hello, alexName);

    const reply = `hi alex, sam here ${stamp}`;
    await send(sam, reply);
    await expectShownOnce(sam, reply, samName);
    await expectShownOnce(alex, reply, samName);

    // The session cookie survives a reload, and history brings both messages back once.
    await alex.reload();
    await alex.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: STEP_TIMEOUT });
    await openRoom(alex, ROOM);
    await expectShownOnce(alex, hello, alexName);
    await expectShownOnce(alex, reply, samName);
  } catch (err) {
    await screenshotAll({ alex, sam }, 'chat');
    if (serverLog) console.error(`--- circles output (last 4000 chars) ---\n${serverLog.slice(-4000)}`);
    throw err;
  } finally {
    await alexCtx.close().catch(() => {});
    await samCtx.close().catch(() => {});
  }
});
