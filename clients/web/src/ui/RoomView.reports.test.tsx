// @vitest-environment happy-dom
// Reports in the room view: which messages get "Report" (a student's view of someone else's
// visible message), the "Reported by you" mark, the dialog opening from the button and the
// focus going back to it, the student's notice area, and a facilitator's Remove message from the
// queue going through the citation dialog.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageStatus, ReportCategory, ReportState } from '../proto';
import type { Member } from '../proto';
import { applyMyReports, applyQueue, applyReportAck, noReports } from '../reports';
import { applyJoin, newRoomState } from '../store';
import type { RoomState } from '../store';
import { button, buttons, cleanup, click, escape } from '../testing/dom';
import { quietFox as fox, blueHeron as heron, lunch, plainMsg, plainReport, msRivera as rivera } from '../testing/fixtures';
import { showRoom } from '../testing/views';

const msg = (seq: number, sender: Member, status = MessageStatus.VISIBLE) => plainMsg(seq, { sender, status });

/** Fox's 1, my 2, Fox's removed 3 and held 4. */
const joined: RoomState = applyJoin(
  newRoomState(lunch),
  {
    room: lunch,
    recovered: false,
    messages: [msg(1, fox), msg(2, heron), msg(3, fox, MessageStatus.REMOVED), msg(4, fox, MessageStatus.HELD)],
    hasMore: false,
    present: [heron, fox],
  },
  false,
);

const mine = (seq: number, state = ReportState.OPEN) => plainReport(40 + seq, seq, { state });

afterEach(cleanup);

const show = (rs: RoomState, me: Member) => showRoom(rs, me);

const item = (root: HTMLElement, seq: number) => root.querySelector(`li[data-seq="${seq}"]`) as HTMLElement;

describe('reporting from the message list', () => {
  it('a student gets Report on others’ visible messages only, named for the writer', () => {
    const { root } = show(joined, heron);
    expect(buttons(item(root, 1), 'Report message from Quiet Fox')).toHaveLength(1);
    expect(item(root, 1).querySelector('button')?.textContent).toBe('Report');
    expect(buttons(item(root, 2), 'Report message from Blue Heron')).toEqual([]); // my own
    expect(item(root, 3).querySelectorAll('button')).toHaveLength(0); // removed
    expect(item(root, 4).querySelectorAll('button')).toHaveLength(0); // held
  });

  it('staff get no Report', () => {
    const { root } = show(joined, rivera);
    expect(buttons(root, 'Report message from Quiet Fox')).toEqual([]);
    expect(root.querySelector('[data-testid="report-notices"]')).toBeNull();
  });

  it('the button opens the dialog for that message; Escape closes it and the focus goes back', () => {
    const { root, reports } = show(joined, heron);
    const report = button(root, 'Report message from Quiet Fox');
    report.focus();
    click(report);
    const dialog = root.querySelector('dialog') as HTMLDialogElement;
    expect(dialog.open).toBe(true);
    expect(dialog.textContent).toContain('m1');
    escape(dialog);
    expect(root.querySelector('dialog')).toBeNull();
    expect(reports.onCloseReport).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(report);
  });

  it('sends for that seq; once confirmed the dialog closes, the mark and the confirmation show', () => {
    const { root, reports, update } = show(joined, heron);
    const report = button(root, 'Report message from Quiet Fox');
    report.focus();
    click(report);
    const dialog = root.querySelector('dialog') as HTMLDialogElement;
    click(dialog.querySelector('input[value="PRIVACY"]') as HTMLInputElement);
    click(button(dialog, 'Send report'));
    expect(reports.onReport).toHaveBeenCalledWith(1, ReportCategory.PRIVACY, '');
    const sent = { ...joined, reports: { ...noReports, send: { seq: 1, state: 'sending' as const, error: '' } } };
    update(sent);
    update({ ...sent, reports: applyReportAck(sent.reports, 1, mine(1), 'Thank you. Nobody will know it was you.') });
    expect(root.querySelector('dialog')).toBeNull();
    expect(document.activeElement).toBe(report);
    expect(item(root, 1).querySelector('.reported-mark')?.textContent).toBe('Reported by you');
    const notices = root.querySelector('[data-testid="report-notices"]') as HTMLElement;
    expect(notices.getAttribute('role')).toBe('status');
    expect(notices.getAttribute('aria-live')).toBe('polite');
    expect(notices.textContent).toContain('Thank you. Nobody will know it was you.');
  });

  it('marks and outcomes from the list; a note can be dismissed', () => {
    const reports = applyMyReports(noReports, [mine(1, ReportState.DISMISSED), mine(3, ReportState.ACTIONED)]);
    const { root, reports: handlers } = show({ ...joined, reports }, heron);
    expect(item(root, 1).querySelector('.reported-mark')?.textContent).toBe('Reported by you · a facilitator looked at it');
    expect(item(root, 3).querySelector('.reported-mark')?.textContent).toBe('Reported by you · removed by a facilitator');
    const notices = root.querySelector('[data-testid="report-notices"]') as HTMLElement;
    expect(notices.textContent).toContain('A facilitator has looked at 2 messages you reported here');
    click(button(notices, 'Dismiss notice'));
    expect(handlers.onDismissNote).toHaveBeenCalledWith(reports.notes[0].id);
  });
});

describe("a facilitator's Remove message", () => {
  it('asks for the citation for that message; Escape goes back to the button', () => {
    const reports = applyQueue(noReports, [plainReport(41, 1)]);
    const rules = [{ number: 1, text: 'Be kind.' }];
    const { root } = show({ ...joined, reports, agreement: { version: 'v', rules, accepted: true, required: false } }, rivera);
    click(button(root, 'Reports (1)'));
    const remove = button(root.querySelector('#console-reports') as HTMLElement, 'Remove message');
    remove.focus();
    click(remove);
    const dialog = root.querySelector('dialog') as HTMLDialogElement;
    expect(dialog.querySelector('h2')?.textContent).toBe('Remove this message?');
    expect(dialog.textContent).toContain('m1');
    escape(dialog);
    expect(root.querySelector('dialog')).toBeNull();
    expect(document.activeElement).toBe(remove);
  });
});
