// Browser end-to-end test of a check-in round and the participation view: the facilitator
// starts a round; one student answers with a mood and a word, another passes; the facilitator
// sees both answers while the students see only how many checked in; the participation table
// names who has not spoken yet.
//
//   (cd tests/e2e && npm ci) && (cd clients/web && npm ci && npm run build)
//   CIRCLES_BIN=build/bin/circles node --test tests/e2e/
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { STEP_TIMEOUT, startCircles } from './harness.mjs';
import { acceptAgreement, expectBanner, expectShownOnce, logIn, openRoom, send } from './pages.mjs';

const ROOM = 'Lunch Bunch';

let circles;

before(async () => {
  circles = await startCircles();
});

after(async () => {
  await circles?.stop();
});

test('a check-in round: answers reach the facilitator, the group sees a count', { timeout: 180_000 }, () =>
  circles.withPages('checkins', { alex: {}, sam: {}, facilitator: {} }, async ({ alex, sam, facilitator: fac }) => {
    const facName = await logIn(fac, 'facilitator');
    await openRoom(fac, ROOM);
    await fac.getByRole('button', { name: 'Open session' }).click();
    await expectBanner(fac, `Live — session opened by ${facName} (you)`);
    const alexName = await logIn(alex, 'alex');
    await openRoom(alex, ROOM);
    await acceptAgreement(alex);
    const samName = await logIn(sam, 'sam');
    await openRoom(sam, ROOM);
    await acceptAgreement(sam);
    await send(alex, 'hi everyone, how was the quiz');
    await expectShownOnce(fac, 'hi everyone, how was the quiz', alexName);

    await fac.getByRole('button', { name: 'Check-in', exact: true }).click();
    const panel = fac.getByRole('region', { name: 'Check-in' });
    await panel.getByText('No check-in is open.').waitFor({ timeout: STEP_TIMEOUT });
    await panel.getByRole('button', { name: 'Start check-in' }).click();
    await panel.getByText(/Answered: 0 · Passed: 0/).waitFor({ timeout: STEP_TIMEOUT });

    // alex answers with a mood and a word; sam passes.
    const alexForm = alex.getByRole('region', { name: 'Check-in' });
    await alexForm.getByLabel('2 — low').check();
    await alexForm.getByLabel('One word (optional)').fill('tired');
    await alexForm.getByRole('button', { name: 'Send check-in' }).click();
    await alexForm.getByText('Thanks for checking in.').waitFor({ timeout: STEP_TIMEOUT });
    const samForm = sam.getByRole('region', { name: 'Check-in' });
    await samForm.getByRole('button', { name: 'Pass' }).click();
    await samForm.getByText('Thanks for checking in.').waitFor({ timeout: STEP_TIMEOUT });

    // The facilitator sees each answer; the students only the count.
    const answers = panel.getByRole('list', { name: 'Check-in answers' });
    await answers.getByText(`${alexName}: 2 — low · tired`).waitFor({ timeout: STEP_TIMEOUT });
    await answers.getByText(`${samName}: passed`).waitFor({ timeout: STEP_TIMEOUT });
    await panel.getByText(/Answered: 1 · Passed: 1/).waitFor({ timeout: STEP_TIMEOUT });
    await sam.getByText('2 people have checked in').waitFor({ timeout: STEP_TIMEOUT });
    const samPage = (await sam.locator('body').innerText()) ?? '';
    assert.ok(!samPage.includes('tired'), "a student never sees another's answer");

    // Participation: alex has spoken, sam not yet.
    await fac.getByRole('button', { name: 'Participation', exact: true }).click();
    const view = fac.getByRole('region', { name: 'Participation' });
    const table = view.getByRole('table');
    await table.waitFor({ timeout: STEP_TIMEOUT });
    assert.match((await table.textContent()) ?? '', /Participation since/);
    await view.getByText(new RegExp(`Not spoken yet: .*${samName}`)).waitFor({ timeout: STEP_TIMEOUT });
    const alexRow = table.getByRole('row').filter({ hasText: alexName });
    assert.match((await alexRow.textContent()) ?? '', /100%/, 'alex wrote every message so far');
  }),
);
