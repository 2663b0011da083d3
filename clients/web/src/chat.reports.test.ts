// The controller's peer reports over a fake WebSocket: a student's ListReports on join,
// ReportMessage and its answers, the pushed outcome; a facilitator's queue from ListReports,
// ReportFiled and ReportHandled, and Dismiss.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, MessageDecision, MessageStatus, ReportCategory, ReportState, Role } from './proto';
import { REPORT_LOST_TEXT } from './reports';
import { connect, event, hello, join, last, resetSockets, room, sockets, wireMsg } from './testing/fakeSocket';

const NOW = Date.UTC(2026, 10, 24, 17, 0);

const wireReport = (id: bigint, seq: number, extra: Record<string, unknown> = {}) => ({
  reportId: id,
  roomId: 7n,
  message: wireMsg(seq),
  category: ReportCategory.UNKIND,
  note: '',
  createdAtMs: BigInt(NOW),
  state: ReportState.OPEN,
  ...extra,
});

beforeEach(() => {
  resetSockets();
  vi.stubGlobal('WebSocket', { OPEN: 1 });
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a student', () => {
  function student() {
    const c = connect(Role.STUDENT, 'Blue Heron', 1n);
    join(c);
    return c;
  }

  it('lists their own reports on every join: marks and outcomes come back', () => {
    const c = student();
    expect(last().frames('listReports').map((f) => f.body.value.roomId)).toEqual([7n]);
    expect(last().frames('listHeld')).toEqual([]); // staff lists are not theirs
    event(
      { case: 'reports', value: { roomId: 7n, reports: [wireReport(41n, 2, { state: ReportState.DISMISSED })] } },
      last().lastId('listReports'),
    );
    expect(room(c).reports.mine[2]).toMatchObject({ reportId: '41', state: ReportState.DISMISSED });
    expect(room(c).reports.notes.map((n) => n.text)).toEqual([
      'A facilitator looked at a message you reported and left it as it is. Thank you for speaking up.',
    ]);
    // A reconnect joins again and lists again; nothing is told twice.
    last().drop();
    vi.advanceTimersByTime(11_000);
    expect(sockets).toHaveLength(2);
    hello(Role.STUDENT, 'Blue Heron', 1n);
    event({ case: 'joined', value: { room: { roomId: 7n, epoch: 1n, lastSeq: 2n }, recovered: true } }, last().lastId('join'));
    expect(last().frames('listReports')).toHaveLength(1);
    event({ case: 'reports', value: { roomId: 7n, reports: [wireReport(41n, 2, { state: ReportState.DISMISSED })] } }, last().lastId('listReports'));
    expect(room(c).reports.notes).toHaveLength(1);
    expect(room(c).reports.mine[2]).toBeDefined();
    c.stop();
  });

  it('reports a message: the frame, then the confirmation and the mark', () => {
    const c = student();
    expect(c.reports.report('7', 2, ReportCategory.PRIVACY, '  it has my address  ')).toBeNull();
    const [f, ...more] = last().frames('reportMessage');
    expect(more).toEqual([]);
    expect(f.body.value).toMatchObject({ roomId: 7n, seq: 2n, category: ReportCategory.PRIVACY, note: 'it has my address' });
    expect(room(c).reports.send).toEqual({ seq: 2, state: 'sending', error: '' });
    event(
      { case: 'reportAck', value: { report: wireReport(41n, 2), confirmation: 'Thank you. Nobody will know it was you.' } },
      f.requestId,
    );
    expect(room(c).reports.send?.state).toBe('done');
    expect(room(c).reports.mine[2]?.reportId).toBe('41');
    expect(room(c).reports.notes.map((n) => n.text)).toEqual(['Thank you. Nobody will know it was you.']);
    expect(c.state.alert).toBeNull();
    c.reports.closeReport('7');
    expect(room(c).reports.send).toBeNull();
    c.stop();
  });

  it('checks the report before sending it', () => {
    const c = student();
    expect(c.reports.report('7', 2, ReportCategory.UNSPECIFIED, '')).toMatch(/Choose what is wrong/);
    expect(c.reports.report('7', 2, ReportCategory.OTHER, 'x'.repeat(301))).toMatch(/at most 300 bytes/);
    expect(last().frames('reportMessage')).toEqual([]);
    c.stop();
  });

  it('a refusal shows in the dialog; after the dialog has gone, as an alert', () => {
    const c = student();
    c.reports.report('7', 2, ReportCategory.UNKIND, '');
    event(
      { case: 'error', value: { code: ErrorCode.RATE_LIMITED, message: 'You have 20 open reports in this room.', roomId: 7n } },
      last().lastId('reportMessage'),
    );
    expect(room(c).reports.send).toEqual({ seq: 2, state: 'failed', error: 'You have 20 open reports in this room.' });
    expect(c.state.alert).toBeNull();
    c.reports.closeReport('7');
    c.reports.report('7', 1, ReportCategory.UNKIND, '');
    c.reports.closeReport('7'); // cancelled while it was on its way
    event({ case: 'error', value: { code: ErrorCode.MESSAGE_NOT_FOUND, roomId: 7n } }, last().lastId('reportMessage'));
    expect(c.state.alert?.text).toMatch(/isn't in the room/);
    c.stop();
  });

  it('an ack after Cancel still marks the message and confirms', () => {
    const c = student();
    c.reports.report('7', 2, ReportCategory.UNKIND, '');
    c.reports.closeReport('7');
    event({ case: 'reportAck', value: { report: wireReport(41n, 2), duplicate: true, confirmation: 'Thanks.' } }, last().lastId('reportMessage'));
    expect(room(c).reports.mine[2]).toBeDefined();
    expect(room(c).reports.send).toBeNull();
    expect(room(c).reports.notes.map((n) => n.text)).toEqual(['Thanks.']);
    c.stop();
  });

  it('a lost connection fails the report on its way; offline, nothing is sent', () => {
    const c = student();
    c.reports.report('7', 2, ReportCategory.UNKIND, '');
    last().drop();
    expect(room(c).reports.send).toEqual({ seq: 2, state: 'failed', error: REPORT_LOST_TEXT });
    expect(c.reports.report('7', 2, ReportCategory.UNKIND, '')).toMatch(/offline/);
    c.stop();
  });

  it('is told when a facilitator handles the report, in the room’s notice area', () => {
    const c = student();
    c.reports.report('7', 2, ReportCategory.UNKIND, '');
    event({ case: 'reportAck', value: { report: wireReport(41n, 2), confirmation: 'Thanks.' } }, last().lastId('reportMessage'));
    event({
      case: 'reportHandled',
      value: { report: wireReport(41n, 2, { state: ReportState.ACTIONED, message: { ...wireMsg(2), text: '' } }), notice: 'A facilitator removed it.' },
    });
    expect(room(c).reports.mine[2].state).toBe(ReportState.ACTIONED);
    expect(room(c).reports.notes.map((n) => n.text)).toEqual(['Thanks.', 'A facilitator removed it.']);
    c.reports.dismissNote('7', room(c).reports.notes[0].id);
    expect(room(c).reports.notes.map((n) => n.text)).toEqual(['A facilitator removed it.']);
    c.stop();
  });

  it('an older server (UNKNOWN_FRAME to ListReports) changes nothing for a student', () => {
    const c = student();
    event({ case: 'error', value: { code: ErrorCode.UNKNOWN_FRAME } }, last().lastId('listReports'));
    expect(c.state.alert).toBeNull();
    expect(room(c).reports.queueError).toBe('');
    c.stop();
  });
});

describe('a facilitator', () => {
  function facilitator() {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    join(c);
    event({ case: 'reports', value: { roomId: 7n, reports: [wireReport(41n, 1)] } }, last().lastId('listReports'));
    return c;
  }

  it('loads the queue on join; a filed report joins it and is read out', () => {
    const c = facilitator();
    expect(room(c).reports.queue?.map((r) => r.reportId)).toEqual(['41']);
    const safety = wireReport(42n, 2, { category: ReportCategory.SAFETY, escalationId: 9n, note: 'worried' });
    event({ case: 'reportFiled', value: { report: safety } });
    expect(room(c).reports.queue?.map((r) => [r.reportId, r.escalationId, r.note])).toEqual([
      ['41', '', ''],
      ['42', '9', 'worried'],
    ]);
    expect(c.state.staffNote).toMatchObject({ roomId: '7', text: 'New report: Worried someone is not safe — Quiet Fox' });
    event({ case: 'reportFiled', value: { report: safety } }); // again: no second item
    expect(room(c).reports.queue).toHaveLength(2);
    c.stop();
  });

  it('Dismiss sends HandleReport DISMISSED; the answer takes it out of the queue', () => {
    const c = facilitator();
    c.reports.dismiss('7', '41');
    c.reports.dismiss('7', '41'); // once
    const [h, ...more] = last().frames('handleReport');
    expect(more).toEqual([]);
    expect(h.body.value).toMatchObject({ roomId: 7n, reportId: 41n, outcome: ReportState.DISMISSED });
    expect(room(c).reports.handling).toEqual({ '41': true });
    event({ case: 'reportHandled', value: { report: wireReport(41n, 1, { state: ReportState.DISMISSED }) } }, h.requestId);
    expect(room(c).reports.queue).toEqual([]);
    expect(room(c).reports.handling).toEqual({});
    expect(c.state.staffNote?.text).toBe('Report dismissed: the message stays.');
    c.stop();
  });

  it('removing the message goes through ModerateMessage; the pushed ReportHandled settles it', () => {
    const c = facilitator();
    expect(c.act({ kind: 'remove-message', seq: 1, sender: { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT } }, { groundRule: 1, reason: 'unkind' })).toBeNull();
    expect(last().frames('moderateMessage')[0].body.value).toMatchObject({ seq: 1n, decision: MessageDecision.REMOVE });
    event({ case: 'moderated', value: { roomId: 7n, seq: 1n, status: MessageStatus.REMOVED, groundRule: 1 } }, last().lastId('moderateMessage'));
    event({ case: 'reportHandled', value: { report: wireReport(41n, 1, { state: ReportState.ACTIONED }) } });
    expect(room(c).reports.queue).toEqual([]);
    expect(c.state.staffNote?.text).toBe('Message removed (ground rule 1).');
    c.stop();
  });

  it('a refused Dismiss brings the button back; REPORT_NOT_FOUND drops the item', () => {
    const c = facilitator();
    c.reports.dismiss('7', '41');
    event({ case: 'error', value: { code: ErrorCode.OVERLOADED, retryAfterMs: 2000n } }, last().lastId('handleReport'));
    expect(room(c).reports.handling).toEqual({});
    expect(room(c).reports.queue).toHaveLength(1);
    expect(c.state.alert?.text).toMatch(/^That wasn't done/);
    c.reports.dismiss('7', '41');
    event({ case: 'error', value: { code: ErrorCode.REPORT_NOT_FOUND } }, last().lastId('handleReport'));
    expect(room(c).reports.queue).toEqual([]);
    expect(c.state.alert?.text).toBe("That report isn't open any more.");
    c.stop();
  });

  it('an answer without a body is an empty queue', () => {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    join(c);
    expect(room(c).reports.queue).toBeNull();
    last().deliver({ requestId: last().lastId('listReports') });
    expect(room(c).reports.queue).toEqual([]);
    c.stop();
  });

  it('a refused list says so in the panel', () => {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    join(c);
    event({ case: 'error', value: { code: ErrorCode.UNKNOWN_FRAME } }, last().lastId('listReports'));
    expect(room(c).reports.queueError).toBe("This server doesn't support reports yet.");
    expect(c.state.alert).toBeNull();
    c.stop();
  });

  it('never reports, and a student never gets a queue', () => {
    const c = facilitator();
    expect(c.reports.report('7', 2, ReportCategory.UNKIND, '')).toMatch(/Only students/);
    expect(last().frames('reportMessage')).toEqual([]);
    c.stop();
    const s = connect(Role.STUDENT, 'Blue Heron', 1n);
    join(s);
    event({ case: 'reportFiled', value: { report: wireReport(50n, 2) } });
    expect(room(s).reports.queue).toBeNull();
    expect(s.state.staffNote).toBeNull();
    s.stop();
  });
});
