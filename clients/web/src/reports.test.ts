// Peer reports: the new frames on the wire (ReportMessage, ListReports, HandleReport out;
// ReportAck, ReportFiled, ReportList, ReportHandled in), and the pure per-room state and texts
// in reports.ts.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ClientFrameSchema, ServerFrameSchema } from './gen/circles/v1/circles_pb';
import { ErrorCode, ReportCategory, ReportState, Role, decodeServerFrame, encodeClientFrame } from './proto';
import {
  NOTE_MAX_BYTES,
  REPORT_CATEGORIES,
  REPORT_CONFIRMATION_FALLBACK,
  REPORT_LOST_TEXT,
  applyFiled,
  applyHandledForStudent,
  applyMyReports,
  applyQueue,
  applyReportAck,
  applyReportError,
  categoryLabel,
  closeReport,
  describeQueueError,
  describeReportError,
  dismissNote,
  dropReport,
  handlingFailed,
  listOutcomeText,
  newReportAnnouncement,
  noReports,
  reportProblem,
  reportedMark,
  reportsDisconnected,
  startHandling,
  startReport,
  toReport,
} from './reports';
import type { ServerInit } from './testing/fakeSocket';
import { plainReport } from './testing/fixtures';

const report = plainReport;

const wireReport = {
  reportId: 41n,
  roomId: 7n,
  message: { roomId: 7n, seq: 5n, epoch: 1n, sender: { userId: 2n, displayName: 'Quiet Fox', role: Role.STUDENT }, text: 'you are weird' },
  category: ReportCategory.SAFETY,
  note: 'she said she would hurt herself',
  createdAtMs: 61_000n,
  state: ReportState.OPEN,
  escalationId: 9n,
};

/** A ServerFrame as the browser receives it (encoded, then decoded). */
function roundTrip(body: ServerInit) {
  return decodeServerFrame(toBinary(ServerFrameSchema, create(ServerFrameSchema, body)));
}

describe('peer reports on the wire', () => {
  it('encodes ReportMessage, ListReports and HandleReport', () => {
    const r = fromBinary(
      ClientFrameSchema,
      encodeClientFrame(3n, {
        case: 'reportMessage',
        value: { roomId: 7n, seq: 5n, category: ReportCategory.PRIVACY, note: 'my address' },
      }),
    );
    expect(r.requestId).toBe(3n);
    expect(r.body).toMatchObject({ case: 'reportMessage', value: { roomId: 7n, seq: 5n, category: ReportCategory.PRIVACY, note: 'my address' } });
    const l = fromBinary(ClientFrameSchema, encodeClientFrame(4n, { case: 'listReports', value: { roomId: 7n } }));
    expect(l.body).toMatchObject({ case: 'listReports', value: { roomId: 7n } });
    const h = fromBinary(
      ClientFrameSchema,
      encodeClientFrame(5n, { case: 'handleReport', value: { roomId: 7n, reportId: 41n, outcome: ReportState.DISMISSED } }),
    );
    expect(h.body).toMatchObject({ case: 'handleReport', value: { roomId: 7n, reportId: 41n, outcome: ReportState.DISMISSED } });
  });

  it('decodes ReportAck, ReportFiled, ReportList and ReportHandled into plain reports', () => {
    const ack = roundTrip({ requestId: 3n, body: { case: 'reportAck', value: { report: wireReport, duplicate: true, confirmation: 'Thanks.' } } });
    expect(ack.body.case).toBe('reportAck');
    if (ack.body.case === 'reportAck') {
      expect(ack.body.value).toMatchObject({ duplicate: true, confirmation: 'Thanks.' });
      // The server's clock is a minute ahead: times move into this browser's.
      expect(toReport(ack.body.value.report, (ms) => ms - 60_000)).toEqual({
        reportId: '41',
        roomId: '7',
        message: expect.objectContaining({ seq: 5, text: 'you are weird', sender: expect.objectContaining({ displayName: 'Quiet Fox' }) }),
        category: ReportCategory.SAFETY,
        note: 'she said she would hurt herself',
        createdAtMs: 1000,
        state: ReportState.OPEN,
        handledAtMs: 0,
        escalationId: '9',
      });
    }
    const filed = roundTrip({ body: { case: 'reportFiled', value: { report: wireReport } } });
    expect(filed.body.case === 'reportFiled' && toReport(filed.body.value.report).reportId).toBe('41');
    const list = roundTrip({ body: { case: 'reports', value: { roomId: 7n, reports: [wireReport, { ...wireReport, reportId: 42n }] } } });
    expect(list.body.case === 'reports' && list.body.value.reports.map((w) => toReport(w).reportId)).toEqual(['41', '42']);
    const handled = roundTrip({
      body: { case: 'reportHandled', value: { report: { ...wireReport, state: ReportState.ACTIONED, handledAtMs: 99n }, notice: 'It was removed.' } },
    });
    if (handled.body.case !== 'reportHandled') throw new Error('not reportHandled');
    expect(handled.body.value.notice).toBe('It was removed.');
    expect(toReport(handled.body.value.report)).toMatchObject({ state: ReportState.ACTIONED, handledAtMs: 99 });
  });

  it('an empty Report maps to safe defaults (no message, no escalation)', () => {
    expect(toReport(undefined)).toMatchObject({ reportId: '0', message: null, escalationId: '', createdAtMs: 0 });
  });

  it('describes refusals: the server’s words for the typed codes, ours otherwise', () => {
    expect(describeReportError(ErrorCode.RATE_LIMITED, 0, 'You have 20 open reports here.')).toBe('You have 20 open reports here.');
    expect(describeReportError(ErrorCode.RATE_LIMITED)).toMatch(/reported a lot/);
    expect(describeReportError(ErrorCode.MESSAGE_NOT_FOUND)).toMatch(/isn't in the room/);
    expect(describeReportError(ErrorCode.INVALID_ARGUMENT)).toMatch(/can't be reported/);
    expect(describeReportError(ErrorCode.FORBIDDEN)).toMatch(/Only students/);
    expect(describeReportError(ErrorCode.UNKNOWN_FRAME, 0, 'unknown body')).toMatch(/doesn't support reports/);
    expect(describeQueueError(ErrorCode.REPORT_NOT_FOUND)).toBe("That report isn't open any more.");
    expect(describeQueueError(ErrorCode.FORBIDDEN)).toMatch(/only this room's facilitators/);
  });
});

describe('the report form', () => {
  it('offers the four categories, in order, with the students’ words', () => {
    expect(REPORT_CATEGORIES.map((c) => c.label)).toEqual([
      'Unkind or hurtful',
      'Shares private information',
      "I'm worried someone is not safe",
      'Something else',
    ]);
    expect(categoryLabel(ReportCategory.SAFETY)).toBe('Worried someone is not safe');
  });

  it('needs a category; the note is optional and at most 300 bytes of UTF-8', () => {
    expect(reportProblem(ReportCategory.UNSPECIFIED, '')).toMatchObject({ field: 'category' });
    expect(reportProblem(ReportCategory.OTHER, '')).toBeNull();
    expect(reportProblem(ReportCategory.OTHER, 'a'.repeat(NOTE_MAX_BYTES))).toBeNull();
    // 150 two-byte letters fit; one more does not, though it is far under 300 characters.
    expect(reportProblem(ReportCategory.OTHER, 'é'.repeat(150))).toBeNull();
    expect(reportProblem(ReportCategory.OTHER, 'é'.repeat(151))).toMatchObject({ field: 'note', text: expect.stringContaining('302') });
  });
});

describe("a student's reports", () => {
  it('an ack marks the message, confirms in the notice area and completes the dialog', () => {
    let r = startReport(noReports, 5);
    expect(r.send).toEqual({ seq: 5, state: 'sending', error: '' });
    r = applyReportAck(r, 5, report(41, 5), '  Thank you — nobody will know it was you. ');
    expect(r.mine[5].reportId).toBe('41');
    expect(r.send?.state).toBe('done');
    expect(r.notes).toEqual([{ id: 1, text: 'Thank you — nobody will know it was you.' }]);
    expect(reportedMark(r.mine[5])).toBe('Reported by you');
    // A duplicate says the same; an empty confirmation falls back to ours.
    r = applyReportAck(closeReport(r), 5, report(41, 5), '');
    expect(r.send).toBeNull();
    expect(r.notes.map((n) => n.text)).toEqual(['Thank you — nobody will know it was you.', REPORT_CONFIRMATION_FALLBACK]);
  });

  it('an error reaches the dialog that waits for it, and nothing else', () => {
    const r = startReport(noReports, 5);
    const failed = applyReportError(r, 5, 'Too many.');
    expect(failed).toMatchObject({ shown: true, state: { send: { seq: 5, state: 'failed', error: 'Too many.' } } });
    expect(applyReportError(closeReport(r), 5, 'Too many.').shown).toBe(false);
    expect(applyReportError(r, 6, 'Too many.').shown).toBe(false);
  });

  it('a lost connection fails the report on its way', () => {
    expect(reportsDisconnected(noReports)).toBe(noReports);
    expect(reportsDisconnected(startReport(noReports, 5)).send).toEqual({ seq: 5, state: 'failed', error: REPORT_LOST_TEXT });
  });

  it('the list restores the marks and tells settled outcomes once, in one note', () => {
    const list = [
      report(43, 7),
      report(42, 6, { state: ReportState.ACTIONED }),
      report(41, 5, { state: ReportState.DISMISSED }),
    ];
    const r = applyMyReports(noReports, list);
    expect(Object.keys(r.mine)).toEqual(['5', '6', '7']);
    expect(reportedMark(r.mine[6])).toBe('Reported by you · removed by a facilitator');
    expect(reportedMark(r.mine[5])).toBe('Reported by you · a facilitator looked at it');
    expect(r.notes.map((n) => n.text)).toEqual([
      'A facilitator has looked at 2 messages you reported here: 1 was removed and 1 was left as it is.',
    ]);
    // The next join lists them again: no second note.
    expect(applyMyReports(r, list).notes).toEqual(r.notes);
  });

  it('a pushed outcome shows the server’s notice once; the list after it adds nothing', () => {
    const handled = report(41, 5, { state: ReportState.ACTIONED });
    let r = applyHandledForStudent(applyMyReports(noReports, [report(41, 5)]), handled, 'The message was removed.');
    expect(r.notes.map((n) => n.text)).toEqual(['The message was removed.']);
    expect(r.mine[5].state).toBe(ReportState.ACTIONED);
    r = applyHandledForStudent(r, handled, 'The message was removed.');
    r = applyMyReports(r, [handled]);
    expect(r.notes).toHaveLength(1);
    expect(applyHandledForStudent(noReports, report(50, 8, { state: ReportState.DISMISSED }), '').notes[0].text).toMatch(
      /left it as it is/,
    );
  });

  it('keeps the three newest notes; a dismissed one goes', () => {
    let r = noReports;
    for (let i = 1; i <= 4; i++) r = applyReportAck(r, i, report(i, i), `note ${i}`);
    expect(r.notes.map((n) => n.text)).toEqual(['note 2', 'note 3', 'note 4']);
    r = dismissNote(r, 3);
    expect(r.notes.map((n) => n.id)).toEqual([2, 4]);
    expect(dismissNote(r, 3)).toBe(r);
  });

  it('outcome texts', () => {
    expect(listOutcomeText([])).toBe('');
    expect(listOutcomeText([report(1, 1, { state: ReportState.ACTIONED })])).toMatch(/removed it/);
    expect(
      listOutcomeText([report(1, 1, { state: ReportState.DISMISSED }), report(2, 2, { state: ReportState.DISMISSED })]),
    ).toBe('A facilitator has looked at 2 messages you reported here: 2 were left as they are.');
  });
});

describe("the facilitators' queue", () => {
  it('the list keeps the open reports, oldest first', () => {
    const q = applyQueue(noReports, [report(3, 9), report(1, 5), report(2, 6, { state: ReportState.DISMISSED }), report(1, 5)]);
    expect(q.queue?.map((x) => x.reportId)).toEqual(['1', '3']);
  });

  it('a filed report joins once; a handled one leaves', () => {
    const q = applyQueue(noReports, [report(1, 5)]);
    const r = applyFiled(q, report(2, 6, { escalationId: '9', category: ReportCategory.SAFETY }));
    expect(r.added).toBe(true);
    expect(r.state.queue?.map((x) => x.reportId)).toEqual(['1', '2']);
    expect(applyFiled(r.state, report(2, 6)).added).toBe(false);
    expect(newReportAnnouncement(report(2, 6))).toBe('New report: Unkind or hurtful — Quiet Fox');
    const busy = startHandling(r.state, '2');
    expect(busy.handling).toEqual({ '2': true });
    expect(handlingFailed(busy, '2').handling).toEqual({});
    const gone = dropReport(busy, '2');
    expect(gone.queue?.map((x) => x.reportId)).toEqual(['1']);
    expect(gone.handling).toEqual({});
    expect(dropReport(gone, '2')).toBe(gone);
  });
});
