// Browser end-to-end test of a peer report, across three people: the facilitator tells a
// counselor about a worrying message; a student reports it with a category and a note; the facilitator finds it in the console's report queue,
// with the note and without the reporter's name, and removes the message citing a ground rule;
// the reporter is told, and the author never learns who reported it.
//
//   (cd tests/e2e && npm ci) && (cd clients/web && npm ci && npm run build)
//   CIRCLES_BIN=build/bin/circles node --test tests/e2e/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { STEP_TIMEOUT, startCircles } from './harness.mjs';
import { acceptAgreement, cite, confirmDialog, expectBanner, expectShownOnce, logIn, messageItems, openRoom, send, waitUntil } from './pages.mjs';

const ROOM = 'Lunch Bunch';
const TEXT = 'nobody sits with jordan at lunch anyway';
const NOTE = 'said the same thing to me yesterday';

let circles;

before(async () => {
  circles = await startCircles();
});

after(async () => {
  await circles?.stop();
});

test('a student reports a message; the facilitator removes it; the reporter is told', { timeout: 180_000 }, () =>
  circles.withPages('reports', { alex: {}, sam: {}, facilitator: {} }, async ({ alex, sam, facilitator: fac }) => {
    const facName = await logIn(fac, 'facilitator');
    await openRoom(fac, ROOM);
    await fac.getByRole('button', { name: 'Open session' }).click();
    await expectBanner(fac, `Live — session opened by ${facName} (you)`);
    const samName = await logIn(sam, 'sam');
    await openRoom(sam, ROOM);
    await acceptAgreement(sam);
    const alexName = await logIn(alex, 'alex');
    await openRoom(alex, ROOM);
    await acceptAgreement(alex);

    await send(sam, TEXT);
    await expectShownOnce(alex, TEXT, samName);
    assert.equal(
      await messageItems(sam, TEXT).getByRole('button', { name: /^Report message/ }).count(),
      0,
      'nobody reports their own message',
    );

    // The facilitator, worried too, tells a counselor about it (once).
    await expectShownOnce(fac, TEXT, samName);
    await messageItems(fac, TEXT).getByRole('button', { name: `Tell a counselor about the message from ${samName}` }).click();
    const ask = fac.getByRole('group', { name: /Tell the school's counselors about this message\?/ });
    await ask.waitFor({ timeout: STEP_TIMEOUT });
    await ask.getByRole('button', { name: 'Tell a counselor', exact: true }).click();
    await fac.getByTestId('console-note').filter({ hasText: 'A counselor has been told about this message.' }).waitFor({ timeout: STEP_TIMEOUT });
    await messageItems(fac, TEXT).getByText('Counselor told').waitFor({ timeout: STEP_TIMEOUT });
    assert.equal(
      await messageItems(alex, TEXT).getByRole('button', { name: /^Tell a counselor/ }).count(),
      0,
      'students do not have the button',
    );

    // alex reports it: a category and a note, in a dialog that keeps the focus.
    await messageItems(alex, TEXT).getByRole('button', { name: `Report message from ${samName}` }).click();
    const dialog = alex.getByRole('dialog', { name: 'Report this message' });
    await dialog.waitFor({ timeout: STEP_TIMEOUT });
    await dialog.getByLabel('Unkind or hurtful').check();
    await dialog.getByLabel('Note (optional)').fill(NOTE);
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    const notices = alex.getByTestId('report-notices');
    await notices.getByText(/Nobody in the room knows you reported it/).waitFor({ timeout: STEP_TIMEOUT });
    await messageItems(alex, TEXT).getByText('Reported by you').waitFor({ timeout: STEP_TIMEOUT });

    // The facilitator's queue: the message, the category and the note; never the reporter.
    const tab = fac.getByRole('button', { name: 'Reports (1)' });
    await tab.waitFor({ timeout: STEP_TIMEOUT });
    await tab.click();
    const item = fac
      .getByRole('region', { name: 'Reports' })
      .getByRole('list', { name: 'Open reports' })
      .getByRole('listitem')
      .filter({ hasText: TEXT });
    await item.waitFor({ timeout: STEP_TIMEOUT });
    const itemText = (await item.textContent()) ?? '';
    assert.match(itemText, /Unkind or hurtful/);
    assert.ok(itemText.includes(samName), 'the author of the message');
    assert.ok(itemText.includes(NOTE), "the reporter's note");
    assert.ok(!itemText.includes(alexName), 'the queue never names the reporter');

    // The author's page shows nothing of it.
    const samPage = (await sam.locator('body').textContent()) ?? '';
    assert.ok(!samPage.includes(NOTE) && !/Reported/.test(samPage), 'the author is not told');

    // Removed, citing a ground rule: the queue empties, and alex is told.
    await item.getByRole('button', { name: 'Remove message' }).click();
    const remove = fac.getByRole('dialog', { name: 'Remove this message?' });
    await remove.waitFor({ timeout: STEP_TIMEOUT });
    await cite(remove, '2', 'Unkind to a member of the group');
    await confirmDialog(remove, 'Remove message');
    await item.waitFor({ state: 'hidden', timeout: STEP_TIMEOUT });
    await fac.getByRole('button', { name: 'Reports (0)' }).waitFor({ timeout: STEP_TIMEOUT });
    await notices.getByText(/removed it/).waitFor({ timeout: STEP_TIMEOUT });
    await messageItems(alex, 'Removed by the facilitator (ground rule 2)').first().waitFor({ timeout: STEP_TIMEOUT });
    await messageItems(alex, 'Reported by you · removed by a facilitator').first().waitFor({ timeout: STEP_TIMEOUT });
    await waitUntil(async () => (await messageItems(sam, TEXT).count()) === 0, "sam's page no longer shows the text");
  }),
);
