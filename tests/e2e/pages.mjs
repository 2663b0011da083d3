// Page helpers shared by the browser end-to-end tests: logging in, opening a room, the session
// banner, the composer, the group agreement, sending and finding messages, the citation dialog.
// Selectors are accessible ones (roles, labels, names) wherever the UI offers them.
import assert from 'node:assert/strict';
import { PASSWORD, STEP_TIMEOUT, sleep } from './harness.mjs';

export async function logIn(page, username) {
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

export async function openRoom(page, roomName) {
  await page.getByRole('navigation', { name: 'Your rooms' }).getByRole('button', { name: roomName }).click();
  await page.getByRole('heading', { level: 2, name: roomName }).waitFor({ timeout: STEP_TIMEOUT });
  await page.getByText('Joining…').waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
}

/** Poll `check` until it returns true (what = what we wait for, for the failure message). */
export async function waitUntil(check, what, timeoutMs = STEP_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** The room's session banner (a polite live region) once it says `text`. */
export async function expectBanner(page, text) {
  const banner = page.getByRole('status').filter({ hasText: text });
  await banner.waitFor({ timeout: STEP_TIMEOUT });
  const live = await banner.getAttribute('aria-live');
  assert.equal(live, 'polite', 'the session banner is announced politely');
  return banner;
}

export function composer(page) {
  return page.getByLabel('Message', { exact: true });
}

export async function expectComposerDisabled(page, disabled, why) {
  await waitUntil(async () => (await composer(page).isDisabled()) === disabled, why);
}

/** The disabled composer's reason: the text its aria-describedby points to first. */
export async function expectComposerReason(page, pattern) {
  await waitUntil(async () => {
    const ids = ((await composer(page).getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
    if (ids.length === 0) return false;
    const text = (await page.locator(`[id="${ids[0]}"]`).textContent()) ?? '';
    return pattern.test(text.trim());
  }, `the composer is described by ${pattern}`);
}

/** The group agreement stands in for the composer until the student clicks "I agree". */
export async function acceptAgreement(page) {
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

export async function send(page, text) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** The message list items holding `text` (there must end up being exactly one). */
export function messageItems(page, text) {
  return page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });
}

/** Wait until `text` is shown, delivered (not pending), exactly once, and stays that way. */
export async function expectShownOnce(page, text, senderName) {
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

/** The citation every facilitator action asks for: a ground rule (by number) and a reason. */
export async function cite(dialog, rule, reason) {
  await dialog.getByLabel('Ground rule').selectOption(rule);
  await dialog.getByLabel('Reason').fill(reason);
}

/** Confirm the citation dialog with its `button` and wait until it is gone. */
export async function confirmDialog(dialog, button) {
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
}
