// Browser end-to-end test of a held risk message, across three people: the server runs a copy
// of the default policy with `hold_disclosures = true`, so a student's self-harm disclosure is
// held for the facilitator and escalated to the counselor. The student sees the supportive
// reply (988) and their message marked as held; the facilitator finds it in the held queue; the
// counselor's dashboard lists it with a live countdown, shows the case (text marked sensitive)
// and acknowledges it; then the facilitator approves the message, citing a ground rule, and the
// student sees it shared.
//
//   (cd tests/e2e && npm ci) && (cd clients/web && npm ci && npm run build)
//   CIRCLES_BIN=build/bin/circles node --test tests/e2e/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STEP_TIMEOUT, repoRoot, sleep, startCircles } from './harness.mjs';
import { acceptAgreement, cite, confirmDialog, expectBanner, logIn, messageItems, openRoom, send, waitUntil } from './pages.mjs';

const ROOM = 'Lunch Bunch';
const RISK_TEXT = 'i want to kill myself';

let circles; // startCircles(): the server and Chromium
let policyDir;

/** The default policy with disclosures held for the facilitator. */
function writeHoldingPolicy() {
  const original = readFileSync(join(repoRoot, 'moderation/policies/default.toml'), 'utf8');
  const held = original.replace(/^hold_disclosures = false$/m, 'hold_disclosures = true');
  assert.notEqual(held, original, 'the default policy has the line `hold_disclosures = false` to replace');
  assert.match(held, /^hold_disclosures = true$/m);
  policyDir = mkdtempSync(join(tmpdir(), 'circles-e2e-policy-'));
  const file = join(policyDir, 'hold-disclosures.toml');
  writeFileSync(file, held);
  return file;
}

before(async () => {
  circles = await startCircles({ env: { CIRCLES_POLICY_FILE: writeHoldingPolicy() } });
});

after(async () => {
  await circles?.stop();
  if (policyDir) rmSync(policyDir, { recursive: true, force: true });
});

/** The counselor's dashboard and its two lists. */
function dashboard(page) {
  const desk = page.getByRole('region', { name: 'Escalations' });
  return {
    desk,
    open: desk.getByRole('list', { name: 'Open escalations' }).getByRole('listitem'),
    acknowledged: desk.getByRole('list', { name: 'Acknowledged escalations' }).getByRole('listitem'),
  };
}

const COUNTDOWN = /re-pages in (\d+:)?\d{1,2}:\d{2}/;

// The counselor works on a phone-sized screen: the dashboard must fit.
const PEOPLE = { alex: {}, facilitator: {}, counselor: { viewport: { width: 390, height: 844 } } };

test('a held disclosure reaches the facilitator and the counselor, who acknowledges it', { timeout: 180_000 }, () =>
  circles.withPages('safeguarding', PEOPLE, async ({ alex, facilitator: fac, counselor }) => {
    // 1. The facilitator opens Lunch Bunch and its session; alex joins and accepts the agreement.
    const facName = await logIn(fac, 'facilitator');
    await openRoom(fac, ROOM);
    await fac.getByRole('button', { name: 'Open session' }).click();
    await expectBanner(fac, `Live — session opened by ${facName} (you)`);
    const alexName = await logIn(alex, 'alex');
    assert.equal(alexName, 'Blue Heron', 'the demo pseudonym');
    await openRoom(alex, ROOM);
    await expectBanner(alex, `Live — session opened by ${facName}`);
    await acceptAgreement(alex);

    // 2. The counselor, in no room, sees the dashboard with nothing open.
    const counselorName = await logIn(counselor, 'counselor');
    const { desk, open, acknowledged } = dashboard(counselor);
    await desk.waitFor({ timeout: STEP_TIMEOUT });
    await desk.getByRole('heading', { name: 'Open (0)' }).waitFor({ timeout: STEP_TIMEOUT });
    await desk.getByText('No open escalations.').waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(await counselor.title(), 'Circles');
    assert.equal(await counselor.getByTestId('escalation-alert').getAttribute('role'), 'alert');
    assert.ok(
      await counselor.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'the dashboard fits a phone-width screen',
    );

    // 3. alex discloses: the supportive reply with 988, and the message marked as held.
    await send(alex, RISK_TEXT);
    const reply = alex.getByRole('alert').filter({ hasText: '988' });
    await reply.waitFor({ timeout: STEP_TIMEOUT });
    assert.match((await reply.textContent()) ?? '', /counselor has been told/i, 'the reply says a counselor knows');
    const alexMsg = messageItems(alex, RISK_TEXT);
    await alexMsg.filter({ hasText: 'Waiting for a facilitator to review.' }).waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(await alexMsg.count(), 1, 'the held message is shown to its sender once');

    // 4. The facilitator finds it in the held queue.
    const heldTab = fac.getByRole('button', { name: 'Held messages (1)' });
    await heldTab.waitFor({ timeout: STEP_TIMEOUT });
    await heldTab.click();
    const heldItem = fac
      .getByRole('region', { name: 'Held messages' })
      .getByRole('list', { name: 'Waiting for review' })
      .getByRole('listitem')
      .filter({ hasText: RISK_TEXT });
    await heldItem.waitFor({ timeout: STEP_TIMEOUT });
    assert.match((await heldItem.textContent()) ?? '', new RegExp(alexName));

    // 5. The counselor is alerted at once; the dashboard lists it with a live countdown.
    const alert = counselor.getByTestId('escalation-alert').filter({ hasText: `New escalation: ${alexName} in ${ROOM}` });
    await alert.waitFor({ timeout: STEP_TIMEOUT });
    const item = open.filter({ hasText: `${alexName} in ${ROOM}` });
    await item.waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(await open.count(), 1);
    const itemText = (await item.textContent()) ?? '';
    assert.match(itemText, /Risk detected in a message/, 'the source, for people');
    assert.match(itemText, /Self-harm/, 'the category, for people');
    assert.match(itemText, /just now|min ago/, 'how long ago');
    assert.doesNotMatch(itemText, new RegExp(RISK_TEXT), 'the list does not show the sensitive text');
    const countdown = item.getByText(COUNTDOWN);
    const first = (await countdown.textContent()) ?? '';
    await waitUntil(async () => ((await countdown.textContent()) ?? '') !== first, 'the countdown ticks', 5_000);
    await waitUntil(async () => (await counselor.title()) === '(1) Circles', 'the title counts one open escalation');

    // The case view, by keyboard: the message text marked sensitive, and the facts.
    await item.getByRole('button', { name: `${alexName} in ${ROOM}` }).focus();
    await counselor.keyboard.press('Enter');
    const caseView = counselor.getByRole('region', { name: `${alexName} in ${ROOM}` });
    await caseView.waitFor({ timeout: STEP_TIMEOUT });
    await waitUntil(
      () => counselor.evaluate(() => document.activeElement?.id === 'case-heading'),
      'the focus moves to the case',
    );
    const message = caseView.getByRole('region', { name: 'Message — sensitive' });
    await message.getByText(RISK_TEXT).waitFor({ timeout: STEP_TIMEOUT });
    assert.match((await message.textContent()) ?? '', /Confidential/);
    const facts = (await caseView.textContent()) ?? '';
    for (const fact of [/Room\s*Lunch Bunch/, /Student\s*Blue Heron/, /Categories\s*Self-harm/, /Paged\s*level 0/, /State\s*Open — re-pages in/]) {
      assert.match(facts, fact);
    }
    await counselor.keyboard.press('Escape');
    await caseView.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    await waitUntil(
      () => counselor.evaluate((name) => document.activeElement?.textContent === name, `${alexName} in ${ROOM}`),
      'the focus is back on the item',
    );

    // Acknowledge: it moves to Acknowledged, with who and when; nothing is open any more.
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    const done = acknowledged.filter({ hasText: `${alexName} in ${ROOM}` });
    await done.waitFor({ timeout: STEP_TIMEOUT });
    assert.match((await done.textContent()) ?? '', /Acknowledged by you at \d{1,2}:\d{2}/);
    await desk.getByRole('heading', { name: 'Open (0)' }).waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(await done.getByRole('button', { name: 'Acknowledge' }).count(), 0);
    await waitUntil(async () => (await counselor.title()) === 'Circles', 'the title count is gone');
    await alert.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    assert.ok(counselorName.length > 0);

    // A reload lists it again from the server, still acknowledged.
    await counselor.reload();
    await dashboard(counselor).acknowledged.filter({ hasText: `${alexName} in ${ROOM}` }).waitFor({ timeout: STEP_TIMEOUT });
    await desk.getByRole('heading', { name: 'Open (0)' }).waitFor({ timeout: STEP_TIMEOUT });

    // 6. The facilitator approves the held message, citing a ground rule; alex sees it shared.
    await heldItem.getByRole('button', { name: 'Approve' }).click();
    const approve = fac.getByRole('dialog', { name: 'Approve this message?' });
    await approve.waitFor({ timeout: STEP_TIMEOUT });
    await cite(approve, '1', 'Shared with care; the counselor is following up');
    await confirmDialog(approve, 'Approve');
    await heldItem.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    await fac.getByRole('button', { name: 'Held messages (0)' }).waitFor({ timeout: STEP_TIMEOUT });
    await waitUntil(
      async () => (await alexMsg.filter({ hasText: 'Waiting for a facilitator to review.' }).count()) === 0,
      "alex's message is no longer marked as held",
    );
    await sleep(300);
    assert.equal(await alexMsg.count(), 1, 'the approved message is shown once');
    await messageItems(fac, RISK_TEXT).first().waitFor({ timeout: STEP_TIMEOUT });
  }),
);

// A case worked to its end: alex asks to talk; the counselor opens the case (recorded), takes
// it, writes a note, sees alex's real name after a warning, observes the room (alex sees that a
// counselor is there), and resolves it with an outcome; the facilitator is told it was followed
// up, and nothing more.
test('a counselor works a case to resolution and the facilitator is told only that', { timeout: 180_000 }, () =>
  circles.withPages('case', { alex: {}, facilitator: {}, counselor: {} }, async ({ alex, facilitator: fac, counselor }) => {
    await logIn(fac, 'facilitator');
    await openRoom(fac, ROOM);
    const alexName = await logIn(alex, 'alex');
    await openRoom(alex, ROOM);
    const talk = alex.getByTestId('need-to-talk');
    await talk.getByRole('button', { name: 'I need to talk' }).click();
    await talk.getByRole('group', { name: 'Ask for someone to talk with you?' }).getByRole('button', { name: 'Yes, ask for someone' }).click();
    await talk.getByRole('status').filter({ hasText: 'Your request was sent' }).waitFor({ timeout: STEP_TIMEOUT });

    await logIn(counselor, 'counselor');
    const { open } = dashboard(counselor);
    const item = open.filter({ hasText: `${alexName} in ${ROOM}` }).filter({ hasText: /asked to talk|need to talk/i });
    await item.first().waitFor({ timeout: STEP_TIMEOUT });
    await item.first().getByRole('button', { name: `${alexName} in ${ROOM}` }).click();
    const caseView = counselor.getByRole('region', { name: `${alexName} in ${ROOM}` });
    await caseView.getByText('Opening a case is recorded.').waitFor({ timeout: STEP_TIMEOUT });
    await caseView.getByText('No notes yet.').waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(await caseView.getByRole('button', { name: 'Show real name' }).count(), 0, 'no name while open');

    // Take it, and write a note.
    await caseView.getByRole('button', { name: 'Take this case' }).click();
    await caseView.getByTestId('case-status').filter({ hasText: 'You have taken this case.' }).waitFor({ timeout: STEP_TIMEOUT });
    await caseView.getByTestId('case-state').filter({ hasText: 'In progress' }).waitFor({ timeout: STEP_TIMEOUT });
    const note = 'Met Alex after lunch; will check in on Friday.';
    await caseView.getByLabel('Case note').fill(note);
    await caseView.getByRole('button', { name: 'Save note' }).click();
    await caseView.getByRole('list', { name: 'Case notes' }).getByText(note).waitFor({ timeout: STEP_TIMEOUT });

    // The real name, after a warning that it is recorded.
    await caseView.getByRole('button', { name: 'Show real name' }).click();
    await caseView.getByText('this is recorded in the audit trail').waitFor({ timeout: STEP_TIMEOUT });
    await caseView.getByRole('button', { name: 'Show name' }).click();
    await caseView.getByTestId('real-name').filter({ hasText: 'Real name: Alex Morgan' }).waitFor({ timeout: STEP_TIMEOUT });

    // Observing the room: alex sees that a counselor is there; the counselor cannot post.
    await caseView.getByRole('button', { name: 'Observe room' }).click();
    await counselor.getByRole('heading', { level: 2, name: ROOM }).waitFor({ timeout: STEP_TIMEOUT });
    await alex.getByTestId('counselor-banner').filter({ hasText: 'A counselor is here to listen' }).waitFor({ timeout: STEP_TIMEOUT });
    await waitUntil(async () => await counselor.getByLabel('Message', { exact: true }).isDisabled(), 'the observer has no composer');
    await counselor.getByRole('button', { name: 'Stop observing' }).click();
    await waitUntil(
      async () => ((await alex.getByTestId('counselor-banner').textContent()) ?? '').trim() === '',
      'the banner goes when the counselor leaves',
    );

    // Resolved with an outcome; the facilitator hears only that it was followed up.
    const back = counselor.getByRole('region', { name: `${alexName} in ${ROOM}` });
    await back.getByRole('button', { name: 'Resolve case' }).click();
    const form = back.getByRole('form', { name: 'Resolve this case' });
    await form.getByLabel('Outcome').selectOption({ label: 'Supported in school' });
    await form.getByRole('button', { name: 'Resolve' }).click();
    await back.getByTestId('case-state').filter({ hasText: 'Resolved' }).waitFor({ timeout: STEP_TIMEOUT });
    const told = fac.getByTestId('console-note').filter({ hasText: 'A counselor has followed up' });
    await told.waitFor({ timeout: STEP_TIMEOUT });
    const facPage = (await fac.locator('body').innerText()) ?? '';
    assert.ok(!facPage.includes('Alex Morgan') && !facPage.includes(note), 'no name, no note for the facilitator');
    const alexPage = (await alex.locator('body').innerText()) ?? '';
    assert.ok(!/followed up|Alex Morgan/.test(alexPage), 'the student sees nothing of the case');
  }),
);
