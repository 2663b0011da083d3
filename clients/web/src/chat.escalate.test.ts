// A facilitator's "Tell a counselor" over a fake WebSocket: EscalateMessage on the wire, the
// EscalationRaised answer (new or a duplicate) marking the message and read out in the console
// (or the page's live region when the room is not open), refusals in the words the server
// sent, and what a dropped connection or being offline does. Nobody else can send it.
import { describe, expect, it, vi } from 'vitest';
import { ESCALATE_LOST_TEXT, ESCALATE_OFFLINE_TEXT } from './escalate';
import { ErrorCode, Role } from './proto';
import { connect, event, hello, heron, join, last, rivera, room, sockets, withFakeClock } from './testing/fakeSocket';

withFakeClock(Date.UTC(2026, 10, 24, 17, 0));

function facilitator() {
  const c = connect(Role.FACILITATOR, rivera.displayName, rivera.userId);
  join(c);
  return c;
}

const raised = (seq: number, duplicate = false) => ({
  case: 'escalationRaised' as const,
  value: { roomId: 7n, seq: BigInt(seq), escalationId: 90n, duplicate },
});

describe("a facilitator's Tell a counselor", () => {
  it('sends EscalateMessage; the answer marks the message and is read out in the console', () => {
    const c = facilitator();
    c.escalate.tell('7', 2);
    const [f, ...more] = last().frames('escalateMessage');
    expect(more).toEqual([]);
    expect(f.body.value).toMatchObject({ roomId: 7n, seq: 2n });
    expect(room(c).escalate.sending).toEqual({ 2: true });
    c.escalate.tell('7', 2); // once at a time
    expect(last().frames('escalateMessage')).toHaveLength(1);
    event(raised(2), f.requestId);
    expect(room(c).escalate).toEqual({ sending: {}, told: { 2: '90' } });
    expect(c.state.staffNote).toMatchObject({ roomId: '7', text: 'A counselor has been told about this message.' });
    expect(c.state.alert).toBeNull();
    c.stop();
  });

  it('one not asked for (request id 0) marks the message without reading anything out', () => {
    const c = facilitator();
    event(raised(1));
    expect(room(c).escalate.told).toEqual({ 1: '90' });
    expect(c.state.staffNote).toBeNull();
    c.stop();
  });

  it('a duplicate says a counselor was already told', () => {
    const c = facilitator();
    c.escalate.tell('7', 1);
    event(raised(1, true), last().lastId('escalateMessage'));
    expect(room(c).escalate.told).toEqual({ 1: '90' });
    expect(c.state.staffNote?.text).toBe('A counselor was already told about this message.');
    c.stop();
  });

  it('an answer for a room no longer open goes to the page’s live region', () => {
    const c = facilitator();
    c.escalate.tell('7', 2);
    c.openRoom(null);
    event(raised(2), last().lastId('escalateMessage'));
    expect(room(c).escalate.told[2]).toBe('90');
    expect(c.state.announcement?.text).toBe('A counselor has been told about this message.');
    expect(c.state.staffNote).toBeNull();
    c.stop();
  });

  it.each([
    [ErrorCode.FORBIDDEN, 'Only facilitators of this room can escalate.'],
    [ErrorCode.MESSAGE_NOT_FOUND, 'That message was removed.'],
    [ErrorCode.INVALID_ARGUMENT, 'seq must be positive.'],
  ])('a refusal (%s) shows the server’s words in the alert; the button comes back', (code, message) => {
    const c = facilitator();
    c.escalate.tell('7', 2);
    event({ case: 'error', value: { code, message, roomId: 7n } }, last().lastId('escalateMessage'));
    expect(c.state.alert).toMatchObject({ text: message, tone: 'error' });
    expect(room(c).escalate).toEqual({ sending: {}, told: {} });
    c.stop();
  });

  it('a refusal without words, and an older server, get ours', () => {
    const c = facilitator();
    c.escalate.tell('7', 2);
    event({ case: 'error', value: { code: ErrorCode.MESSAGE_NOT_FOUND } }, last().lastId('escalateMessage'));
    expect(c.state.alert?.text).toBe("That message isn't in the room any more, so no counselor was told.");
    c.escalate.tell('7', 1);
    event({ case: 'error', value: { code: ErrorCode.UNKNOWN_FRAME, message: 'unknown frame' } }, last().lastId('escalateMessage'));
    expect(c.state.alert?.text).toMatch(/^This server doesn't support telling a counselor yet/);
    c.stop();
  });

  it('a dropped connection says it may not have arrived; offline, nothing is sent', () => {
    const c = facilitator();
    c.escalate.tell('7', 2);
    last().drop();
    expect(room(c).escalate.sending).toEqual({});
    expect(c.state.alert?.text).toBe(ESCALATE_LOST_TEXT);
    c.escalate.tell('7', 2);
    expect(c.state.alert?.text).toBe(ESCALATE_OFFLINE_TEXT);
    expect(room(c).escalate.sending).toEqual({});
    vi.advanceTimersByTime(11_000); // the reconnect sends nothing again by itself
    expect(sockets).toHaveLength(2);
    hello(Role.FACILITATOR, rivera.displayName, rivera.userId);
    expect(last().frames('join')).toHaveLength(1);
    expect(last().frames('escalateMessage')).toEqual([]);
    c.stop();
  });
});

describe('anyone else', () => {
  it.each([
    ['a student', Role.STUDENT, heron.displayName, heron.userId],
    ['a counselor', Role.COUNSELOR, 'Mr. Okafor', 8n],
    ['an admin', Role.ADMIN, 'Ms. Admin', 9n],
  ])('%s cannot send it, and ignores an EscalationRaised', (_who, role, name, userId) => {
    const c = connect(role, name, userId);
    join(c);
    c.escalate.tell('7', 2);
    expect(last().frames('escalateMessage')).toEqual([]);
    event(raised(2));
    expect(room(c).escalate.told).toEqual({});
    c.stop();
  });
});
