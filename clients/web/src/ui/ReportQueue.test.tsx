// @vitest-environment happy-dom
// The facilitators' report queue, inside the console: the "Reports (N)" disclosure, what each
// item shows (never a reporter), and its Dismiss and Remove message actions.
import { afterEach, describe, expect, it } from 'vitest';
import { ReportCategory } from '../proto';
import { applyQueue, noReports } from '../reports';
import type { ReportInfo } from '../reports';
import { newRoomState } from '../store';
import type { RoomState } from '../store';
import { button, buttons, cleanup, click } from '../testing/dom';
import { quietFox as fox, lunch, plainMsg, plainReport } from '../testing/fixtures';
import { showConsole } from '../testing/views';

/** An open report of Quiet Fox's message `seq`, filed at 17:0`id` UTC. */
const report = (id: number, seq: number, text: string, extra: Partial<ReportInfo> = {}) =>
  plainReport(id, seq, { message: plainMsg(seq, { text }), createdAtMs: Date.UTC(2026, 10, 24, 17, id), ...extra });

afterEach(cleanup);

function consoleWith(queue: ReportInfo[] | null, handling: Record<string, true> = {}, queueError = '') {
  const base = queue ? applyQueue(noReports, queue) : noReports;
  const rs: RoomState = { ...newRoomState(lunch), held: [], reports: { ...base, handling, queueError } };
  const view = showConsole(rs);
  const panel = view.root.querySelector('#console-reports') as HTMLElement;
  return { ...view, panel };
}

describe('the report queue', () => {
  it('sits behind "Reports (N)" next to the held messages, as a region named Reports', () => {
    const { root, panel } = consoleWith([report(1, 3, 'you are so dumb')]);
    const tabs = Array.from(root.querySelectorAll('.console-tab')).map((b) => b.textContent);
    expect(tabs).toEqual(['Held messages (0)', 'Reports (1)', 'Members', 'Room controls', 'Check-in', 'Participation']);
    expect(panel.getAttribute('aria-label')).toBe('Reports');
    expect(panel.hidden).toBe(true);
    const tab = button(root, 'Reports (1)');
    click(tab);
    expect(tab.getAttribute('aria-expanded')).toBe('true');
    expect(panel.hidden).toBe(false);
  });

  it('says when it is loading, empty or refused', () => {
    expect(consoleWith(null).panel.textContent).toBe('Loading reports…');
    cleanup();
    expect(consoleWith([]).panel.textContent).toBe('No open reports.');
    cleanup();
    expect(consoleWith([], {}, "This server doesn't support reports yet.").panel.textContent).toBe(
      "This server doesn't support reports yet.",
    );
  });

  it('shows each report: category, writer and text (or "removed"), note, time, a counselor told', () => {
    const { panel } = consoleWith([
      report(1, 3, 'you are so dumb', { note: 'this keeps happening' }),
      report(2, 4, 'she lives at 12 Elm St', { category: ReportCategory.PRIVACY }),
      report(3, 5, 'i want to disappear', { category: ReportCategory.SAFETY, escalationId: '9' }),
      report(4, 6, '', { category: ReportCategory.OTHER }),
    ]);
    const items = Array.from(panel.querySelectorAll('li'));
    expect(panel.querySelector('ol')?.getAttribute('aria-label')).toBe('Open reports');
    expect(items.map((li) => li.querySelector('.report-category')?.textContent)).toEqual([
      'Unkind or hurtful',
      'Shares private information',
      'Worried someone is not safe',
      'Something else',
    ]);
    expect(items[0].querySelector('.text')?.textContent).toBe('Quiet Fox: you are so dumb');
    expect(items[0].querySelector('.report-note')?.textContent).toBe('Note: this keeps happening');
    expect(items[0].querySelector('time')?.getAttribute('dateTime')).toBe('2026-11-24T17:01:00.000Z');
    expect(items[1].querySelector('.report-note')).toBeNull();
    expect(items[2].textContent).toContain('A counselor has been told');
    expect(items[0].textContent).not.toContain('A counselor has been told');
    expect(items[3].querySelector('.text')?.textContent).toBe('Quiet Fox: removed');
    // A removed message can only be dismissed.
    expect(buttons(items[3], 'Remove message')).toEqual([]);
    expect(buttons(panel, 'Dismiss')).toHaveLength(4);
    // The buttons are described by their item, so a screen reader says which report.
    const d = button(items[0], 'Dismiss');
    expect(document.getElementById(d.getAttribute('aria-describedby') ?? '')?.textContent).toContain('you are so dumb');
  });

  it('Dismiss settles it (once); Remove message asks for the citation for that seq', () => {
    const first = report(1, 3, 'you are so dumb');
    const { panel, onAct, onDismissReport } = consoleWith([first]);
    click(button(panel, 'Dismiss'));
    expect(onDismissReport).toHaveBeenCalledWith('1');
    click(button(panel, 'Remove message'));
    expect(onAct).toHaveBeenCalledWith({ kind: 'remove-message', seq: 3, sender: fox }, first.message);
  });

  it('a Dismiss on its way shows as such and cannot be pressed again', () => {
    const { panel, onDismissReport } = consoleWith([report(1, 3, 'you are so dumb')], { '1': true });
    const busy = button(panel, 'Dismissing…');
    expect(busy.getAttribute('aria-disabled')).toBe('true');
    click(busy);
    expect(onDismissReport).not.toHaveBeenCalled();
  });
});
