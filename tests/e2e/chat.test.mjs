// Browser end-to-end test: starts the real `circles demo` server, drives Debian's Chromium
// through playwright-core with a facilitator and two students: the facilitator opens a
// session, each student accepts the group agreement, and messages cross between them. Then a
// student presses "I need to talk": only the facilitator is told.
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
const OTHER_ROOM = 'Peer Network';
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

/** Poll `check` until it returns true (what = what we wait for, for the failure message). */
async function waitUntil(check, what, timeoutMs = STEP_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** The room's session banner (a polite live region) once it says `text`. */
async function expectBanner(page, text) {
  const banner = page.getByRole('status').filter({ hasText: text });
  await banner.waitFor({ timeout: STEP_TIMEOUT });
  const live = await banner.getAttribute('aria-live');
  assert.equal(live, 'polite', 'the session banner is announced politely');
  return banner;
}

function composer(page) {
  return page.getByLabel('Message', { exact: true });
}

async function expectComposerDisabled(page, disabled, why) {
  await waitUntil(async () => (await composer(page).isDisabled()) === disabled, why);
}

/** The group agreement stands in for the composer until the student clicks "I agree". */
async function acceptAgreement(page) {
  const agreement = page.getByRole('region', { name: 'Group agreement' });
  await agreement.waitFor({ timeout: STEP_TIMEOUT });
  const rules = agreement.getByRole('list', { name: 'Ground rules' }).getByRole('listitem');
  assert.ok((await rules.count()) >= 1, 'the agreement lists the ground rules');
  assert.match((await rules.first().textContent()) ?? '', /\S/, 'a ground rule has text');
  assert.equal(await composer(page).count(), 0, 'no composer before the agreement is accepted');
  await agreement.getByRole('button', { name: 'I agree' }).click();
  await agreement.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
  await composer(page).waitFor({ timeout: STEP_TIMEOUT });
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

test('a facilitator opens a session and two students chat in Lunch Bunch', { timeout: 180_000 }, async () => {
  const alexCtx = await browser.newContext({ baseURL });
  const samCtx = await browser.newContext({ baseURL });
  const facCtx = await browser.newContext({ baseURL });
  const alex = await alexCtx.newPage();
  const sam = await samCtx.newPage();
  const fac = await facCtx.newPage();
  try {
    const alexName = await logIn(alex, 'alex');

    // Before any session: alex reads the schedule, accepts the agreement, and cannot post yet.
    await openRoom(alex, ROOM);
    await expectBanner(alex, /Not meeting now — next session \w+day .*\(America\/New_York\)/);
    await acceptAgreement(alex);
    await expectComposerDisabled(alex, true, "alex's composer is disabled while the room is not live");
    await alex.getByText(/once the facilitator opens the session/).waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(
      await alex.getByRole('button', { name: 'Open session' }).count(),
      0,
      'students have no session controls',
    );

    // The facilitator opens Lunch Bunch and its session; staff never see the agreement gate.
    const facName = await logIn(fac, 'facilitator');
    await openRoom(fac, ROOM);
    assert.equal(await fac.getByRole('region', { name: 'Group agreement' }).count(), 0, 'no agreement gate for staff');
    await fac.getByRole('button', { name: 'Open session' }).click();
    await expectBanner(fac, `Live — session opened by ${facName} (you)`);
    await fac.getByRole('button', { name: 'Close session' }).waitFor({ timeout: STEP_TIMEOUT });

    // alex is told at once (a pushed SessionState) and may post now.
    await expectBanner(alex, `Live — session opened by ${facName}`);
    await expectComposerDisabled(alex, false, "alex's composer is enabled once the session is live");

    // sam joins a live room: the banner comes with the join, the agreement comes first.
    const samName = await logIn(sam, 'sam');
    assert.notEqual(alexName, samName);
    await openRoom(sam, ROOM);
    await expectBanner(sam, `Live — session opened by ${facName}`);
    await acceptAgreement(sam);
    await expectComposerDisabled(sam, false, "sam's composer is enabled after the agreement");

    const stamp = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const hello = `hello from alex ${stamp}`;
    await send(alex, hello);
    await expectShownOnce(alex, hello, alexName);
    await expectShownOnce(sam, hello, alexName);

    const reply = `hi alex, sam here ${stamp}`;
    await send(sam, reply);
    await expectShownOnce(sam, reply, samName);
    await expectShownOnce(alex, reply, samName);
    await expectShownOnce(fac, reply, samName);

    // The session cookie survives a reload, and history brings both messages back once; the
    // agreement stays accepted and the session live.
    await alex.reload();
    await alex.getByRole('status').filter({ hasText: 'Connected' }).waitFor({ timeout: STEP_TIMEOUT });
    await openRoom(alex, ROOM);
    await expectShownOnce(alex, hello, alexName);
    await expectShownOnce(alex, reply, samName);
    await expectBanner(alex, `Live — session opened by ${facName}`);
    assert.equal(await alex.getByRole('region', { name: 'Group agreement' }).count(), 0, 'accepted once, for good');
    await expectComposerDisabled(alex, false, "alex's composer is enabled after the reload");

    // The facilitator steps out (presence): the session pauses; back again, it is live.
    await openRoom(fac, OTHER_ROOM);
    await expectBanner(alex, 'Paused — waiting for the facilitator');
    await expectComposerDisabled(alex, true, "alex's composer is disabled while the facilitator is away");
    await openRoom(fac, ROOM);
    await expectBanner(alex, `Live — session opened by ${facName}`);
    await expectComposerDisabled(alex, false, "alex's composer is enabled when the facilitator is back");

    // Closing the session stops posting again.
    await fac.getByRole('button', { name: 'Close session' }).click();
    await expectBanner(sam, 'Not meeting now');
    await expectComposerDisabled(sam, true, "sam's composer is disabled after the session closed");

    // "I need to talk": there for alex although posting is closed, private, and confirmed
    // first (Escape cancels and gives the focus back). The facilitator is elsewhere.
    await openRoom(fac, OTHER_ROOM);
    await expectComposerDisabled(alex, true, "alex's composer is disabled after the session closed");
    const talk = alex.getByTestId('need-to-talk');
    await talk.getByText('Only your facilitator and a school counselor will know').waitFor({ timeout: STEP_TIMEOUT });
    const press = talk.getByRole('button', { name: 'I need to talk' });
    await press.click();
    const confirm = talk.getByRole('group', { name: 'Ask for someone to talk with you?' });
    await confirm.waitFor({ timeout: STEP_TIMEOUT });
    await alex.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    await waitUntil(
      () => alex.evaluate(() => document.activeElement?.textContent?.trim() === 'I need to talk'),
      'the focus is back on "I need to talk" after Escape',
    );
    await press.click();
    await confirm.getByRole('button', { name: 'Yes, ask for someone' }).click();
    const answer = talk.getByRole('status').filter({ hasText: 'Your request was sent' });
    await answer.waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(await answer.getAttribute('aria-live'), 'polite', 'the answer is read out');
    const answerText = (await answer.textContent()) ?? '';
    assert.match(answerText, /988/, 'the crisis contacts are shown');
    assert.match(answerText, /counselor has been told/i, 'the confirmation is shown');

    // The facilitator, in another room, gets a notice at the top that stays until dismissed.
    const notices = fac.getByTestId('talk-notices');
    const notice = notices
      .getByRole('list', { name: 'Students who asked to talk' })
      .getByRole('listitem')
      .filter({ hasText: `${alexName} in ${ROOM} asked to talk` });
    await notice.waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(alexName, 'Blue Heron', 'the demo pseudonym');
    assert.equal(await notices.getAttribute('aria-live'), 'assertive', 'the notice is read out at once');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });

    // The other student hears nothing of it.
    const samText = (await sam.locator('body').innerText()) ?? '';
    assert.ok(!/asked to talk|988/.test(samText), "sam's page shows nothing about alex's request");
    assert.equal(await sam.getByTestId('talk-notices').getByRole('listitem').count(), 0, 'no notices for students');
  } catch (err) {
    await screenshotAll({ alex, sam, facilitator: fac }, 'chat');
    if (serverLog) console.error(`--- circles output (last 4000 chars) ---\n${serverLog.slice(-4000)}`);
    throw err;
  } finally {
    await alexCtx.close().catch(() => {});
    await samCtx.close().catch(() => {});
    await facCtx.close().catch(() => {});
  }
});
