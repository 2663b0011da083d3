// The controller's "I need to talk" wiring, over a fake WebSocket: which frames go out, how
// answers, errors, timeouts and reconnects change the state, and the staff's notices.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, Role, TALK_TIMEOUT_TEXT } from './proto';
import { connect, hello, last, newClient, resetSockets, sockets } from './testing/fakeSocket';
import type { ServerInit } from './testing/fakeSocket';

const ackBody = (escalationId = 41n, duplicate = false): ServerInit['body'] => ({
  case: 'needToTalkAck',
  value: { roomId: 7n, escalationId, support: 'Call or text 988.', confirmation: 'A counselor has been told.', duplicate },
});

beforeEach(() => {
  resetSockets();
  vi.stubGlobal('WebSocket', { OPEN: 1 });
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('"I need to talk" (a student)', () => {
  it('sends one request and shows the answer', () => {
    const c = connect(Role.STUDENT);
    c.openRoom('7');
    c.askToTalk('7');
    c.askToTalk('7'); // a second press while sending does nothing
    const [req, ...more] = last().talks();
    expect(more).toEqual([]);
    expect(req.roomId).toBe(7n);
    expect(req.clientMsgId).toMatch(/^[0-9a-f-]{36}$/);
    expect(c.state.roomStates['7'].talk?.state).toBe('sending');
    last().deliver({ requestId: req.requestId, body: ackBody() });
    expect(c.state.roomStates['7'].talk).toMatchObject({
      state: 'done',
      support: 'Call or text 988.',
      confirmation: 'A counselor has been told.',
    });
    expect(c.state.alert).toBeNull(); // the room's own view shows it
    c.closeTalk('7');
    c.askToTalk('7');
    expect(last().talks()[1].clientMsgId).not.toBe(req.clientMsgId); // a new press, a new id
    c.stop();
  });

  it('works without joining the room; from another view the answer comes as an alert', () => {
    const c = connect(Role.STUDENT);
    c.askToTalk('7');
    expect(last().sent.some((f) => f.body.case === 'join')).toBe(false);
    last().deliver({ requestId: last().talks()[0].requestId, body: ackBody() });
    expect(c.state.alert).toMatchObject({ tone: 'support' });
    expect(c.state.alert?.text).toContain('988');
    c.stop();
  });

  it('a failure says so; Try again reuses the id', () => {
    const c = connect(Role.STUDENT);
    c.openRoom('7');
    c.askToTalk('7');
    const first = last().talks()[0];
    last().deliver({
      requestId: first.requestId,
      body: { case: 'error', value: { code: ErrorCode.OVERLOADED, retryAfterMs: 1000n, roomId: 7n } },
    });
    const t = c.state.roomStates['7'].talk;
    expect(t?.state).toBe('failed');
    if (t?.state === 'failed') expect(t.error).toMatch(/did not go through.*trusted adult now/);
    expect(c.state.alert).toBeNull(); // shown in the room, not twice
    c.retryTalk('7');
    const second = last().talks()[1];
    expect(second.clientMsgId).toBe(first.clientMsgId);
    last().deliver({ requestId: second.requestId, body: ackBody(41n, true) });
    expect(c.state.roomStates['7'].talk).toMatchObject({ state: 'done', duplicate: true });
    c.stop();
  });

  it('a request lost with the connection goes out again, with the same id', async () => {
    const c = connect(Role.STUDENT);
    c.openRoom('7');
    c.askToTalk('7');
    const first = last().talks()[0];
    last().drop();
    expect(c.state.roomStates['7'].talk).toMatchObject({ state: 'sending', sentOnConn: -1 });
    // Offline for longer than the timeout: still waiting to go out, not failed.
    await vi.advanceTimersByTimeAsync(25_000);
    expect(sockets.length).toBe(2);
    expect(c.state.roomStates['7'].talk?.state).toBe('sending');
    hello(Role.STUDENT, 'Blue Heron');
    const again = last().talks();
    expect(again.map((x) => x.clientMsgId)).toEqual([first.clientMsgId]);
    last().deliver({ requestId: again[0].requestId, body: ackBody() });
    expect(c.state.roomStates['7'].talk?.state).toBe('done');
    c.stop();
  });

  it('no answer in time: it did not go through, press again', async () => {
    const c = connect(Role.STUDENT);
    c.openRoom('7');
    c.askToTalk('7');
    await vi.advanceTimersByTimeAsync(19_000);
    expect(c.state.roomStates['7'].talk?.state).toBe('sending');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(c.state.roomStates['7'].talk).toMatchObject({ state: 'failed', error: TALK_TIMEOUT_TEXT });
    c.stop();
  });

  it('a student never shows a staff notice', () => {
    const c = connect(Role.STUDENT);
    last().deliver({
      body: { case: 'needToTalk', value: { roomId: 7n, roomName: 'Lunch Bunch', escalationId: 41n, atMs: 5n, student: { userId: 2n, displayName: 'Quiet Fox' } } },
    });
    expect(c.state.talkNotices.items).toEqual([]);
    c.stop();
  });
});

describe('students who asked to talk (a facilitator)', () => {
  const event = (escalationId: bigint, atMs: bigint, name = 'Blue Heron'): ServerInit['body'] => ({
    case: 'needToTalk',
    value: { roomId: 7n, roomName: 'Lunch Bunch', escalationId, atMs, student: { userId: 1n, displayName: name, role: Role.STUDENT } },
  });

  it('lists each escalation once, newest first, until dismissed', () => {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera');
    last().deliver({ body: event(41n, 1000n) });
    last().deliver({ body: event(42n, 2000n, 'Quiet Fox') });
    last().deliver({ body: event(41n, 1000n) }); // again (another node, a replay)
    expect(c.state.talkNotices.items.map((n) => [n.escalationId, n.student.displayName, n.roomName])).toEqual([
      ['42', 'Quiet Fox', 'Lunch Bunch'],
      ['41', 'Blue Heron', 'Lunch Bunch'],
    ]);
    c.dismissTalkNotice('42');
    last().deliver({ body: event(42n, 2000n, 'Quiet Fox') });
    expect(c.state.talkNotices.items.map((n) => n.escalationId)).toEqual(['41']);
    c.stop();
  });

  it('a counselor in no room: an empty answer to ListRooms is an empty list', () => {
    const c = newClient();
    c.start();
    last().deliver({ body: { case: 'hello', value: { me: { userId: 7n, displayName: 'Mr. Okafor', role: Role.COUNSELOR } } } });
    expect(c.state.rooms).toBeNull();
    last().deliver({ requestId: last().sent.find((f) => f.body.case === 'listRooms')!.requestId });
    expect(c.state.rooms).toEqual([]);
    c.stop();
  });

  it('staff have no button: askToTalk sends nothing', () => {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera');
    c.askToTalk('7');
    expect(last().talks()).toEqual([]);
    c.stop();
  });
});
