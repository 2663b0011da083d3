// @vitest-environment happy-dom
// The facilitator console's "Check-in" and "Participation" sections: Start check-in, the counts
// and the answers as they come; the participation table (caption, columns, quietest first as
// sent, "not yet" marked), loaded when the section opens and with Refresh, and the open round's
// answers beside it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyAnswer, applyParticipation, applyRound, loadingParticipation, noCheckIn, startingRound } from '../checkins';
import type { ParticipationInfo, RoomCheckIn } from '../checkins';
import { clockText } from '../facilitation';
import { newRoomState } from '../store';
import { button, cleanup, click } from '../testing/dom';
import { quietFox as fox, blueHeron as heron, lunch, plainAnswer, plainRound, msRivera as rivera } from '../testing/fixtures';
import { showConsole } from '../testing/views';

const NOW = Date.UTC(2026, 10, 24, 17, 0);
beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const show = (checkIn: RoomCheckIn) => {
  const view = showConsole({ ...newRoomState(lunch), checkIn });
  return { ...view, panel: (id: string) => view.root.querySelector(`#console-${id}`) as HTMLElement };
};
const withAnswers = () => {
  let c = applyRound(noCheckIn, plainRound('5', NOW - 60_000, { answered: 1, passed: 1 })).state;
  c = applyAnswer(c, plainAnswer('5', fox, 2, 'tired')).state;
  return applyAnswer(c, plainAnswer('5', heron, 0)).state;
};
const items = (el: HTMLElement) => Array.from(el.querySelectorAll('[aria-label="Check-in answers"] li')).map((li) => li.textContent);

describe('the Check-in section', () => {
  it('opens from its disclosure button; with no round open, Start check-in', () => {
    const { root, panel, onStartCheckIn } = show(noCheckIn);
    const p = panel('checkin');
    expect(p.getAttribute('aria-label')).toBe('Check-in');
    expect(p.hidden).toBe(true);
    click(button(root, 'Check-in'));
    expect(p.hidden).toBe(false);
    expect(p.textContent).toContain('No check-in is open.');
    click(button(p, 'Start check-in'));
    expect(onStartCheckIn).toHaveBeenCalledTimes(1);
  });

  it('a round open: who started it, the counts, and each answer as it came', () => {
    const { panel } = show(withAnswers());
    const p = panel('checkin');
    expect(p.querySelector('.checkin-state')?.textContent).toBe(
      `Started by Ms. Rivera at ${clockText(NOW - 60_000, NOW)}. Answered: 1 · Passed: 1`,
    );
    expect(items(p)).toEqual(['Quiet Fox: 2 — low · tired', 'Blue Heron: passed']);
    expect(p.querySelector('.checkin-low')?.textContent).toContain('Quiet Fox');
    // Start check-in says what it does to the open round.
    const start = button(p, 'Start check-in');
    const described = (start.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(described).toContain('Starting a new check-in ends this one.');
  });

  it('starting: once, and a refusal in the alert', () => {
    const { panel, onStartCheckIn, update } = show(startingRound(noCheckIn));
    const busy = button(panel('checkin'), 'Starting…');
    expect(busy.getAttribute('aria-disabled')).toBe('true');
    click(busy);
    expect(onStartCheckIn).not.toHaveBeenCalled();
    update({ ...newRoomState(lunch), checkIn: { ...noCheckIn, error: "This server doesn't support check-ins yet." } });
    expect(panel('checkin').querySelector('[role="alert"]')?.textContent).toBe("This server doesn't support check-ins yet.");
  });
});

describe('the Participation section', () => {
  const participation = (extra: Partial<ParticipationInfo> = {}): ParticipationInfo => ({
    roomId: '7',
    sinceMs: NOW - 30 * 60_000,
    rows: [
      { member: fox, messages: 0, sharePercent: 0, lastSpokeMs: 0, present: true },
      { member: heron, messages: 3, sharePercent: 25, lastSpokeMs: NOW - 4 * 60_000 - 10_000, present: false },
      { member: rivera, messages: 9, sharePercent: 75, lastSpokeMs: NOW - 30_000, present: true },
    ],
    round: null,
    answers: [],
    ...extra,
  });

  it('asks for the view when it opens (not when it closes), and again with Refresh', () => {
    const { root, panel, onLoadParticipation } = show(noCheckIn);
    const tab = button(root, 'Participation');
    click(tab);
    expect(onLoadParticipation).toHaveBeenCalledTimes(1);
    expect(panel('participation').getAttribute('aria-label')).toBe('Participation');
    expect(panel('participation').textContent).toContain('Loading participation…');
    click(tab);
    expect(onLoadParticipation).toHaveBeenCalledTimes(1);
    click(button(panel('participation'), 'Refresh'));
    expect(onLoadParticipation).toHaveBeenCalledTimes(2);
  });

  it('a refresh on its way cannot be pressed again; a refusal says why', () => {
    const { panel, onLoadParticipation, update } = show(loadingParticipation(applyParticipation(noCheckIn, participation())));
    const refresh = button(panel('participation'), 'Refresh');
    expect(refresh.getAttribute('aria-disabled')).toBe('true');
    click(refresh);
    expect(onLoadParticipation).not.toHaveBeenCalled();
    update({ ...newRoomState(lunch), checkIn: { ...noCheckIn, participationError: 'Nope.' } });
    expect(panel('participation').textContent).toContain('Nope.');
    expect(button(panel('participation'), 'Refresh').getAttribute('aria-disabled')).toBeNull();
  });

  it('the table: caption, columns, rows in the server order, "not yet" marked', () => {
    const { panel } = show(applyParticipation(noCheckIn, participation()));
    const table = panel('participation').querySelector('table') as HTMLTableElement;
    expect(table.caption?.textContent).toBe(`Participation since ${clockText(NOW - 30 * 60_000, NOW)}`);
    expect(Array.from(table.querySelectorAll('thead th')).map((th) => [th.textContent, th.getAttribute('scope')])).toEqual([
      ['Member', 'col'],
      ['Messages', 'col'],
      ['Share', 'col'],
      ['Last spoke', 'col'],
      ['Present', 'col'],
    ]);
    const rows = Array.from(table.querySelectorAll('tbody tr'));
    expect(rows.map((tr) => Array.from(tr.children).map((td) => td.textContent))).toEqual([
      ['Quiet Fox', '0', '0%', 'not yet', 'Here now'],
      ['Blue Heron', '3', '25%', '4 min ago', 'Not here'],
      ['Ms. Rivera', '9', '75%', '0 min ago', 'Here now'],
    ]);
    expect(rows[0].querySelector('th')?.getAttribute('scope')).toBe('row');
    expect(rows.map((tr) => tr.classList.contains('participation-quiet'))).toEqual([true, false, false]);
    expect(rows[0].querySelector('strong.not-yet')?.textContent).toBe('not yet');
    expect(panel('participation').querySelector('.participation-quiet-line')?.textContent).toBe('Not spoken yet: Quiet Fox');
    expect(panel('participation').querySelector('[aria-label="Check-in answers"]')).toBeNull();
  });

  it('shows the open round and its answers (a reload gets them back from the view)', () => {
    const c = applyParticipation(noCheckIn, participation({
      round: plainRound('5', NOW - 60_000, { answered: 1 }),
      answers: [plainAnswer('5', heron, 5, 'rested')],
    }));
    const { panel } = show(c);
    const p = panel('participation');
    expect(p.querySelector('h4')?.textContent).toBe('Open check-in');
    expect(p.querySelector('.checkin-state .checkin-count')?.textContent).toBe('Answered: 1 · Passed: 0');
    expect(items(p)).toEqual(['Blue Heron: 5 — great · rested']);
    expect(items(panel('checkin'))).toEqual(['Blue Heron: 5 — great · rested']);
  });
});
