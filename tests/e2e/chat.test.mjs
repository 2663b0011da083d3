// Browser end-to-end test: starts the real `circles demo` server, drives Debian's Chromium
// through playwright-core with a facilitator and two students: the facilitator opens a
// session, each student accepts the group agreement, and messages cross between them. The
// facilitator then acts, citing a ground rule each time: removes one of sam's messages, mutes
// and unmutes alex, and locks and unlocks the room. Then a student presses "I need to talk":
// only the facilitator is told.
//
//   (cd tests/e2e && npm ci) && (cd clients/web && npm ci && npm run build)
//   CIRCLES_BIN=build/bin/circles node --test tests/e2e/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { STEP_TIMEOUT, startCircles } from './harness.mjs';
import {
  acceptAgreement,
  cite,
  confirmDialog,
  expectBanner,
  expectComposerDisabled,
  expectComposerReason,
  expectShownOnce,
  logIn,
  messageItems,
  openRoom,
  send,
  waitUntil,
} from './pages.mjs';

const ROOM = 'Lunch Bunch';
const OTHER_ROOM = 'Peer Network';

let circles; // startCircles(): the server and Chromium

before(async () => {
  circles = await startCircles();
});

after(async () => {
  await circles?.stop();
});

/** The room-controls banner (a polite live region) once it says `text`. */
async function expectControlsBanner(page, text) {
  const banner = page.getByTestId('controls-banner').filter({ hasText: text });
  await banner.waitFor({ timeout: STEP_TIMEOUT });
  assert.equal(await banner.getAttribute('role'), 'status');
  assert.equal(await banner.getAttribute('aria-live'), 'polite', 'the controls banner is announced politely');
}

test('a facilitator opens a session and two students chat in Lunch Bunch', { timeout: 180_000 }, () =>
  circles.withPages('chat', { alex: {}, sam: {}, facilitator: {} }, async ({ alex, sam, facilitator: fac }) => {
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

    // Facilitator actions. Students have none of the tools.
    assert.equal(await alex.getByTestId('facilitator-console').count(), 0, 'students have no facilitator tools');
    assert.equal(
      await messageItems(alex, hello).getByRole('button', { name: /^Remove/ }).count(),
      0,
      'students cannot remove messages',
    );

    // The facilitator removes sam's message, citing ground rule 1: nothing goes without a citation.
    await messageItems(fac, reply).getByRole('button', { name: `Remove message from ${samName}` }).click();
    const removeDialog = fac.getByRole('dialog', { name: 'Remove this message?' });
    await removeDialog.waitFor({ timeout: STEP_TIMEOUT });
    await removeDialog.getByRole('button', { name: 'Remove message', exact: true }).click();
    await removeDialog.getByRole('alert').filter({ hasText: 'Choose the ground rule' }).waitFor({ timeout: STEP_TIMEOUT });
    await removeDialog.getByLabel('Ground rule').selectOption('1');
    await removeDialog.getByRole('button', { name: 'Remove message', exact: true }).click();
    await removeDialog.getByRole('alert').filter({ hasText: 'Give a short reason' }).waitFor({ timeout: STEP_TIMEOUT });
    await cite(removeDialog, '1', 'Put-down of another student, reminded the group');
    await confirmDialog(removeDialog, 'Remove message');
    for (const [who, page] of [
      ['alex', alex],
      ['the facilitator', fac],
    ]) {
      await waitUntil(async () => (await messageItems(page, reply).count()) === 0, `${who} no longer sees the removed text`);
      await page
        .getByRole('list', { name: 'Messages' })
        .getByRole('listitem')
        .filter({ hasText: 'Removed by the facilitator (ground rule 1)' })
        .waitFor({ timeout: STEP_TIMEOUT });
    }
    await expectShownOnce(alex, hello, alexName); // the rest of the conversation stays

    // The facilitator mutes alex for 5 minutes: alex's composer says why; sam can still post.
    await fac.getByRole('button', { name: 'Members', exact: true }).click();
    const alexRow = fac
      .getByRole('list', { name: 'Members of the room' })
      .getByRole('listitem')
      .filter({ hasText: alexName });
    await alexRow.getByRole('button', { name: 'Mute', exact: true }).click();
    const muteDialog = fac.getByRole('dialog', { name: `Mute ${alexName}?` });
    await muteDialog.getByRole('radio', { name: '5 minutes' }).check();
    await cite(muteDialog, '1', 'Needs a short break to cool down');
    await confirmDialog(muteDialog, 'Mute');
    await expectComposerDisabled(alex, true, "alex's composer is disabled while muted");
    await expectComposerReason(alex, /^The facilitator has paused your messages until \d{1,2}:\d{2}/);
    await alexRow.getByText(/Muted until/).waitFor({ timeout: STEP_TIMEOUT });
    await alex
      .getByTestId('need-to-talk')
      .getByRole('button', { name: 'I need to talk' })
      .waitFor({ timeout: STEP_TIMEOUT });
    await expectComposerDisabled(sam, false, "sam's composer stays enabled while alex is muted");
    const whileMuted = `sam while alex is paused ${stamp}`;
    await send(sam, whileMuted);
    await expectShownOnce(sam, whileMuted, samName);
    await expectShownOnce(alex, whileMuted, samName);
    const samPage = (await sam.locator('body').innerText()) ?? '';
    assert.ok(!/paused your messages|Muted until/i.test(samPage), "a mute is private: sam's page shows nothing");

    // Unmuted, alex may post again at once.
    await alexRow.getByRole('button', { name: 'Unmute', exact: true }).click();
    const unmuteDialog = fac.getByRole('dialog', { name: `Unmute ${alexName}?` });
    await cite(unmuteDialog, '1', 'Break is over');
    await confirmDialog(unmuteDialog, 'Unmute');
    await expectComposerDisabled(alex, false, "alex's composer is enabled after the unmute");
    await alexRow.getByRole('button', { name: 'Mute', exact: true }).waitFor({ timeout: STEP_TIMEOUT });

    // Locked, the room is read-only for both students (not for staff); unlocked, they may post.
    await fac.getByRole('button', { name: 'Room controls', exact: true }).click();
    const controls = fac.getByRole('region', { name: 'Room controls' });
    await controls.getByRole('button', { name: 'Lock room', exact: true }).click();
    const lockDialog = fac.getByRole('dialog', { name: 'Make the room read-only?' });
    await cite(lockDialog, '1', 'Pausing the conversation for a moment');
    await confirmDialog(lockDialog, 'Lock room');
    for (const [who, page] of [
      ['alex', alex],
      ['sam', sam],
    ]) {
      await expectControlsBanner(page, 'The facilitator has made this room read-only');
      await expectComposerDisabled(page, true, `${who}'s composer is disabled while the room is locked`);
      await expectComposerReason(page, /^The facilitator has made this room read-only/);
    }
    await expectComposerDisabled(fac, false, "the facilitator's composer stays enabled in a locked room");
    await alex
      .getByTestId('need-to-talk')
      .getByRole('button', { name: 'I need to talk' })
      .waitFor({ timeout: STEP_TIMEOUT });
    await controls.getByRole('button', { name: 'Unlock room', exact: true }).click();
    const unlockDialog = fac.getByRole('dialog', { name: 'Unlock the room?' });
    await cite(unlockDialog, '1', 'Back to the conversation');
    await confirmDialog(unlockDialog, 'Unlock room');
    await expectComposerDisabled(alex, false, "alex's composer is enabled after the unlock");
    await expectComposerDisabled(sam, false, "sam's composer is enabled after the unlock");
    assert.equal(await alex.getByTestId('controls-banner').innerText(), '', 'no banner once the room is open again');

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
    await waitUntil(
      () => alex.evaluate(() => document.activeElement?.textContent?.trim() === 'Yes, ask for someone'),
      'the focus moves into the question',
    );
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
  }),
);
