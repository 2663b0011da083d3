// The controller's facilitator actions over a fake WebSocket: which frames a facilitator's
// actions send and how their answers land, and what a student's client does with removals,
// approvals, room controls, mutes and being removed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCKED_REASON } from './facilitation';
import { ErrorCode, MessageDecision, MessageStatus, Role } from './proto';
import { connect, event, fox, heron, join, last, resetSockets, rivera, room, wireMsg } from './testing/fakeSocket';
import type { JoinInit } from './testing/fakeSocket';

const MIN = 60_000;

beforeEach(() => {
  resetSockets();
  vi.stubGlobal('WebSocket', { OPEN: 1 });
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 24, 17, 0) });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('a facilitator', () => {
  function facilitator() {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    join(c);
    return c;
  }

  it('loads the held queue and the member list on join', () => {
    const c = facilitator();
    expect(last().frames('listHeld').map((f) => f.body.value.roomId)).toEqual([7n]);
    expect(last().frames('listMembers').map((f) => f.body.value.roomId)).toEqual([7n]);
    event({ case: 'held', value: { roomId: 7n, messages: [wireMsg(3, fox, MessageStatus.HELD)] } }, last().lastId('listHeld'));
    event(
      {
        case: 'members',
        value: {
          roomId: 7n,
          members: [
            { member: heron, present: true, mutedUntilMs: 0n },
            { member: fox, present: false, mutedUntilMs: BigInt(Date.now() + 10 * MIN) },
          ],
        },
      },
      last().lastId('listMembers'),
    );
    expect(room(c).held?.map((m) => m.seq)).toEqual([3]);
    expect(room(c).members?.map((x) => [x.member.displayName, x.present, x.mutedUntilMs])).toEqual([
      ['Blue Heron', true, 0],
      ['Quiet Fox', false, Date.now() + 10 * MIN],
    ]);
    c.stop();
  });

  it('mutes a student: the right frame, then the answer lands in the member list', () => {
    const c = facilitator();
    event({ case: 'members', value: { roomId: 7n, members: [{ member: fox, present: true }] } }, last().lastId('listMembers'));
    const member = { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT };
    expect(c.act({ kind: 'mute', member, minutes: 5 }, { groundRule: 1, reason: '  kept insulting people ' })).toBeNull();
    const [mute, ...more] = last().frames('muteMember');
    expect(more).toEqual([]);
    expect(mute.body.value).toMatchObject({
      roomId: 7n,
      userId: 2n,
      durationSeconds: 300,
      citation: { groundRule: 1, reason: 'kept insulting people' },
    });
    expect(c.state.staffNote).toMatchObject({ roomId: '7', text: 'Muting Quiet Fox…' });

    const until = Date.now() + 5 * MIN;
    event({ case: 'muted', value: { roomId: 7n, member: fox, untilMs: BigInt(until), groundRule: 1 } }, mute.requestId);
    expect(room(c).members?.[0].mutedUntilMs).toBe(until);
    expect(room(c).mutedUntilMs).toBe(0); // the facilitator is not the one muted
    expect(c.state.staffNote?.text).toMatch(/^Quiet Fox is muted until /);
    expect(last().frames('listMembers')).toHaveLength(2); // refreshed after the action
    // The same news as an event (staff get it too) changes nothing and is not read out twice.
    const note = c.state.staffNote;
    event({ case: 'muted', value: { roomId: 7n, member: fox, untilMs: BigInt(until), groundRule: 1 } });
    expect(c.state.staffNote).toBe(note);
    c.stop();
  });

  it('sends nothing without a valid citation', () => {
    const c = facilitator();
    const member = { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT };
    expect(c.act({ kind: 'mute', member, minutes: 5 }, { groundRule: 2, reason: 'insults' })).toMatch(/ground rule/);
    expect(c.act({ kind: 'mute', member, minutes: 5 }, { groundRule: 1, reason: ' ' })).toMatch(/reason/);
    expect(c.act({ kind: 'lock', locked: true }, { groundRule: 1, reason: 'x'.repeat(201) })).toMatch(/200 bytes/);
    expect(last().frames('muteMember')).toEqual([]);
    expect(last().frames('setRoomControls')).toEqual([]);
    c.stop();
  });

  it('a refusal is a typed error', () => {
    const c = facilitator();
    const member = { userId: '6', displayName: 'Ms. Rivera', role: Role.FACILITATOR };
    c.act({ kind: 'remove-member', member }, { groundRule: 1, reason: 'test' });
    event({ case: 'error', value: { code: ErrorCode.FORBIDDEN, roomId: 7n } }, last().lastId('removeMember'));
    expect(c.state.alert).toMatchObject({ tone: 'error' });
    expect(c.state.alert?.text).toMatch(/only to students/);
    expect(c.state.staffNote).toBeNull();
    c.stop();
  });

  it('a held message joins the queue and is read out; approving it takes it out', () => {
    const c = facilitator();
    event({ case: 'held', value: { roomId: 7n, messages: [] } }, last().lastId('listHeld'));
    event({ case: 'message', value: wireMsg(3, fox, MessageStatus.HELD, 'call me later') });
    expect(room(c).held?.map((m) => m.seq)).toEqual([3]);
    expect(c.state.staffNote?.text).toBe('Held for review — Quiet Fox: call me later');
    expect(c.state.announcement).toBeNull(); // not also the room's live region

    const sender = { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT };
    expect(c.act({ kind: 'approve', seq: 3, sender }, { groundRule: 3, reason: 'fine after review' })).toBeNull();
    const [mod] = last().frames('moderateMessage');
    expect(mod.body.value).toMatchObject({ roomId: 7n, seq: 3n, decision: MessageDecision.APPROVE, citation: { groundRule: 3 } });
    event({ case: 'moderated', value: { roomId: 7n, seq: 3n, status: MessageStatus.VISIBLE, groundRule: 3 } }, mod.requestId);
    expect(room(c).held).toEqual([]);
    expect(room(c).messages.find((m) => m.seq === 3)?.status).toBe(MessageStatus.VISIBLE);
    expect(c.state.staffNote?.text).toBe('Message approved: everyone can see it now.');
    c.stop();
  });

  it('a held message that is gone (MESSAGE_NOT_FOUND) leaves the queue', () => {
    const c = facilitator();
    event({ case: 'held', value: { roomId: 7n, messages: [wireMsg(3, fox, MessageStatus.HELD)] } }, last().lastId('listHeld'));
    const sender = { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT };
    c.act({ kind: 'reject', seq: 3, sender }, { groundRule: 1, reason: 'insult' });
    expect(last().frames('moderateMessage')[0].body.value.decision).toBe(MessageDecision.REMOVE);
    event({ case: 'error', value: { code: ErrorCode.MESSAGE_NOT_FOUND, roomId: 7n } }, last().lastId('moderateMessage'));
    expect(room(c).held).toEqual([]);
    expect(c.state.alert?.text).toMatch(/isn't in the room any more/);
    c.stop();
  });

  it('locks the room keeping its slow mode; the answer is the new controls', () => {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    join(c, { controls: { roomId: 7n, locked: false, slowModeSeconds: 30 } });
    c.act({ kind: 'lock', locked: true }, { groundRule: 1, reason: 'cooling off' });
    const [set] = last().frames('setRoomControls');
    expect(set.body.value).toMatchObject({ roomId: 7n, locked: true, slowModeSeconds: 30 });
    event({ case: 'controls', value: { roomId: 7n, locked: true, slowModeSeconds: 30, groundRule: 1, by: rivera } }, set.requestId);
    expect(room(c).controls).toMatchObject({ locked: true, slowModeSeconds: 30 });
    expect(c.state.staffNote?.text).toBe('The room is read-only for students; slow mode 30 s (ground rule 1).');
    expect(c.send('staff can still post')).toBe(true);
    c.stop();
  });

  it('presence changes refresh the member list, one request at a time', () => {
    const c = facilitator();
    const first = last().lastId('listMembers');
    for (const present of [false, true, false]) event({ case: 'presence', value: { roomId: 7n, member: fox, present } });
    expect(last().frames('listMembers')).toHaveLength(1); // the first is still in flight
    event({ case: 'members', value: { roomId: 7n, members: [{ member: fox, present: false }] } }, first);
    expect(last().frames('listMembers')).toHaveLength(2); // one more for what changed meanwhile
    event({ case: 'members', value: { roomId: 7n, members: [{ member: fox, present: false }] } }, last().lastId('listMembers'));
    expect(last().frames('listMembers')).toHaveLength(2);
    c.stop();
  });
});

describe('a student', () => {
  function student(extra: Partial<JoinInit> = {}, seqs = [1, 2], lastSeq = 2, serverTimeMs = 0n) {
    const c = connect(Role.STUDENT, 'Blue Heron', 1n, serverTimeMs);
    join(c, extra, seqs, lastSeq);
    return c;
  }

  it('sees a removed message replaced, with the ground rule', () => {
    const c = student();
    event({ case: 'removed', value: { roomId: 7n, seq: 2n, reason: 'removed by facilitator', groundRule: 1 } });
    expect(room(c).messages[1]).toMatchObject({ seq: 2, text: '', status: MessageStatus.REMOVED, groundRule: 1 });
    expect(room(c).messages[0].text).toBe('m1');
    c.stop();
  });

  it('gets an approved message below the resume point in place, without a re-join', () => {
    const c = student({}, [1, 2, 4, 5], 5); // seq 3 was held: never sent to this student
    event({ case: 'message', value: wireMsg(3, fox, MessageStatus.VISIBLE, 'approved now') });
    expect(room(c).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(last().frames('join')).toHaveLength(1);
    expect(c.state.announcement?.text).toBe('Quiet Fox: approved now');
    c.stop();
  });

  it("can't send in a locked room, and can once it is unlocked", () => {
    const c = student();
    event({ case: 'controls', value: { roomId: 7n, locked: true, slowModeSeconds: 0, groundRule: 1, by: rivera } });
    expect(c.send('hello?')).toBe(false);
    expect(last().frames('send')).toEqual([]);
    expect(c.state.alert).toMatchObject({ tone: 'info', text: LOCKED_REASON });
    event({ case: 'controls', value: { roomId: 7n, locked: false, slowModeSeconds: 10, groundRule: 1, by: rivera } });
    expect(c.send('hello?')).toBe(true);
    expect(last().frames('send')).toHaveLength(1);
    c.stop();
  });

  it('a mute disables posting with the time, privately, and ends by itself', async () => {
    const c = student();
    const until = Date.now() + 5 * MIN;
    event({ case: 'muted', value: { roomId: 7n, member: heron, untilMs: BigInt(until), groundRule: 1 } });
    expect(room(c).mutedUntilMs).toBe(until);
    expect(c.state.announcement?.text).toMatch(/^The facilitator has paused your messages until /);
    expect(c.state.staffNote).toBeNull();
    expect(c.send('still here')).toBe(false);
    expect(c.state.alert?.text).toMatch(/paused your messages until/);
    await vi.advanceTimersByTimeAsync(5 * MIN - 1000);
    expect(room(c).mutedUntilMs).toBe(until);
    await vi.advanceTimersByTimeAsync(1000);
    expect(room(c).mutedUntilMs).toBe(0);
    expect(c.state.announcement?.text).toBe('Your pause is over. You can post again.');
    expect(c.send('back')).toBe(true);
    c.stop();
  });

  it('a lift re-enables posting at once', () => {
    const c = student({ mutedUntilMs: BigInt(Date.now() + 30 * MIN) });
    expect(c.send('x')).toBe(false);
    event({ case: 'muted', value: { roomId: 7n, member: heron, untilMs: 0n, groundRule: 1 } });
    expect(room(c).mutedUntilMs).toBe(0);
    expect(c.send('x')).toBe(true);
    c.stop();
  });

  it("reads a mute's deadline against the server's clock", () => {
    const ahead = 60 * MIN; // the server's clock is an hour ahead of this phone's
    const c = student({ mutedUntilMs: BigInt(Date.now() + ahead + 10 * MIN) }, [1, 2], 2, BigInt(Date.now() + ahead));
    expect(room(c).mutedUntilMs).toBe(Date.now() + 10 * MIN);
    c.stop();
  });

  it("another student's mute is not shown (students are not sent it, and ignore it)", () => {
    const c = student();
    const before = room(c);
    event({ case: 'muted', value: { roomId: 7n, member: fox, untilMs: BigInt(Date.now() + MIN), groundRule: 1 } });
    expect(room(c)).toBe(before);
    expect(c.state.announcement).toBeNull();
    c.stop();
  });

  it('a send refused MUTED or ROOM_LOCKED fails gently, sets the state and re-joins', () => {
    const c = student();
    c.send('one');
    event(
      { case: 'error', value: { code: ErrorCode.MUTED, retryAfterMs: 120_000n, roomId: 7n, clientMsgId: last().frames('send')[0].body.value.clientMsgId } },
      last().lastId('send'),
    );
    expect(room(c).pending[0]).toMatchObject({ state: 'failed' });
    expect(room(c).pending[0].error).toMatch(/paused your messages for 2 minutes/);
    expect(room(c).mutedUntilMs).toBe(Date.now() + 120_000);
    expect(c.state.alert?.tone).toBe('info');
    expect(last().frames('join')).toHaveLength(2);
    c.stop();
  });

  it('slow mode: a RATE_LIMITED send says so', () => {
    const c = student({ controls: { roomId: 7n, locked: false, slowModeSeconds: 30 } });
    c.send('one');
    event({ case: 'error', value: { code: ErrorCode.RATE_LIMITED, retryAfterMs: 25_000n, roomId: 7n } }, last().lastId('send'));
    expect(room(c).pending[0].error).toBe('Slow mode is on: you can send again in 25 s.');
    c.stop();
  });

  it('removed from the room: it closes, leaves the list, and a calm notice says why', () => {
    const c = student();
    c.send('pending one');
    event({ case: 'memberRemoved', value: { roomId: 7n, member: heron, groundRule: 1 } });
    expect(c.state.openRoomId).toBeNull();
    expect(c.state.rooms).toEqual([]);
    expect(c.state.roomStates['7']).toBeUndefined();
    expect(c.state.screenNotice).toMatchObject({
      tone: 'support',
      text: 'You were removed from Lunch Bunch by the facilitator. If you think this is a mistake, talk to your facilitator or a counselor.',
    });
    expect(last().frames('leave')).toEqual([]); // the server took this connection out already
    c.dismissScreenNotice();
    expect(c.state.screenNotice).toBeNull();
    c.stop();
  });

  it('someone else removed: only the presence changes', () => {
    const c = student();
    event({ case: 'memberRemoved', value: { roomId: 7n, member: fox, groundRule: 1 } });
    expect(c.state.openRoomId).toBe('7');
    expect(room(c).present.map((m) => m.displayName)).toEqual(['Blue Heron', 'Ms. Rivera']);
    expect(c.state.screenNotice).toBeNull();
    expect(last().frames('listMembers')).toEqual([]); // students never ask for it
    c.stop();
  });

  it('removed while away: a join answered NOT_A_MEMBER drops the room', () => {
    const c = connect(Role.STUDENT, 'Blue Heron', 1n);
    c.openRoom('7');
    event({ case: 'error', value: { code: ErrorCode.NOT_A_MEMBER, roomId: 7n } }, last().lastId('join'));
    expect(c.state.openRoomId).toBeNull();
    expect(c.state.rooms).toEqual([]);
    expect(c.state.screenNotice?.text).toMatch(/^You're no longer a member of Lunch Bunch\./);
    c.stop();
  });
});
