import { describe, expect, it } from 'vitest';
import { MessageStatus, Role } from './proto';
import type { ChatMessage, Member, RoomInfo } from './proto';
import {
  addPending,
  applyAck,
  applyHistory,
  applyJoin,
  applyLiveMessage,
  applyPresence,
  applyRemoved,
  markDisconnected,
  newRoomState,
  resumePoint,
  unsentPending,
} from './store';

const room: RoomInfo = { roomId: '7', name: 'Lunch Bunch', kind: 'social_group', epoch: 3n, lastSeq: 0 };
const alex: Member = { userId: '1', displayName: 'Blue Heron', role: Role.STUDENT };
const sam: Member = { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT };

function msg(seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    roomId: '7',
    seq,
    epoch: 3n,
    sender: sam,
    text: `m${seq}`,
    sentAtMs: 1000 + seq,
    clientMsgId: `c${seq}`,
    status: MessageStatus.VISIBLE,
    ...extra,
  };
}

function joined(seqs: number[], lastSeq = Math.max(0, ...seqs)) {
  return applyJoin(
    newRoomState(room),
    { room: { ...room, lastSeq }, recovered: false, messages: seqs.map((s) => msg(s)), hasMore: seqs[0] > 1, present: [alex, sam] },
    false,
  );
}

const seqs = (s: { messages: ChatMessage[] }) => s.messages.map((m) => m.seq);

describe('join and resume', () => {
  it('fresh join shows the page in order and remembers where it is', () => {
    const s = joined([5, 3, 4]);
    expect(seqs(s)).toEqual([3, 4, 5]);
    expect(s.contiguousSeq).toBe(5);
    expect(s.hasMore).toBe(true);
    expect(resumePoint(newRoomState(room))).toBeNull();
    expect(resumePoint(s)).toEqual({ lastSeq: 5, epoch: 3n });
  });

  it('recovered resume merges the replay after last_seq', () => {
    const s = joined([1, 2, 3]);
    const r = applyJoin(
      markDisconnected(s),
      { room: { ...room, lastSeq: 5 }, recovered: true, messages: [msg(4), msg(5)], hasMore: false, present: [] },
      true,
    );
    expect(seqs(r)).toEqual([1, 2, 3, 4, 5]);
    expect(r.contiguousSeq).toBe(5);
    expect(r.joined).toBe(true);
  });

  it('recovered=false drops local messages and shows the returned page', () => {
    const s = joined([1, 2, 3]);
    const r = applyJoin(
      s,
      { room: { ...room, epoch: 4n, lastSeq: 2 }, recovered: false, messages: [msg(1, { epoch: 4n }), msg(2, { epoch: 4n })], hasMore: false, present: [] },
      true,
    );
    expect(seqs(r)).toEqual([1, 2]);
    expect(r.room.epoch).toBe(4n);
    expect(r.contiguousSeq).toBe(2);
  });

  it('join result clears pending sends the replay already contains', () => {
    let s = joined([1]);
    s = addPending(s, { clientMsgId: 'c2', text: 'hi', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    const r = applyJoin(s, { room: { ...room, lastSeq: 2 }, recovered: true, messages: [msg(2)], hasMore: false, present: [] }, true);
    expect(r.pending).toEqual([]);
  });
});

describe('live messages', () => {
  it('appends the next seq and ignores a seq already shown', () => {
    const s = joined([1, 2]);
    const a = applyLiveMessage(s, msg(3));
    expect(a.added).toBe(true);
    expect(a.gap).toBe(false);
    expect(a.state.contiguousSeq).toBe(3);
    const b = applyLiveMessage(a.state, msg(3));
    expect(b.added).toBe(false);
    expect(b.state).toBe(a.state);
    expect(seqs(b.state)).toEqual([1, 2, 3]);
  });

  it('detects a gap and does not advance the resume point past it', () => {
    const s = joined([1, 2]);
    const r = applyLiveMessage(s, msg(5));
    expect(r.gap).toBe(true);
    expect(r.state.contiguousSeq).toBe(2);
    expect(resumePoint(r.state)).toEqual({ lastSeq: 2, epoch: 3n });
    // The replay fills the hole; the resume point jumps to the end.
    const j = applyJoin(
      { ...r.state, joining: true },
      { room: { ...room, lastSeq: 5 }, recovered: true, messages: [msg(3), msg(4), msg(5)], hasMore: false, present: [] },
      true,
    );
    expect(seqs(j)).toEqual([1, 2, 3, 4, 5]);
    expect(j.contiguousSeq).toBe(5);
  });

  it('does not ask for the gap again while a re-join is in flight', () => {
    const s = { ...joined([1]), joining: true };
    expect(applyLiveMessage(s, msg(4)).gap).toBe(false);
  });

  it('keeps order when events arrive out of order', () => {
    let s = joined([1]);
    s = applyLiveMessage(s, msg(3)).state;
    s = applyLiveMessage(s, msg(2)).state;
    expect(seqs(s)).toEqual([1, 2, 3]);
    expect(s.contiguousSeq).toBe(3);
  });

  it('an epoch change asks for a re-join', () => {
    const s = joined([1]);
    const r = applyLiveMessage(s, msg(2, { epoch: 9n }));
    expect(r.gap).toBe(true);
    expect(r.added).toBe(false);
  });

  it('a status change on a known seq replaces it', () => {
    const s = joined([1]);
    const r = applyLiveMessage(s, msg(1, { status: MessageStatus.HELD }));
    expect(r.state.messages[0].status).toBe(MessageStatus.HELD);
    expect(applyRemoved(r.state, 1).messages[0]).toMatchObject({ text: '', status: MessageStatus.REMOVED });
  });
});

describe('sending', () => {
  it('an ack turns the pending send into my message; the echo later is a duplicate', () => {
    let s = joined([1]);
    s = addPending(s, { clientMsgId: 'mine', text: 'hello', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = applyAck(s, { seq: 2, epoch: 3n, clientMsgId: 'mine', sentAtMs: 5 }, alex);
    expect(s.pending).toEqual([]);
    expect(s.messages.at(-1)).toMatchObject({ seq: 2, text: 'hello', sender: alex });
    expect(s.contiguousSeq).toBe(2);
    const echo = applyLiveMessage(s, msg(2, { sender: alex, text: 'hello', clientMsgId: 'mine' }));
    expect(echo.added).toBe(false);
    expect(seqs(echo.state)).toEqual([1, 2]);
  });

  it('a held ack shows my message as held for review', () => {
    let s = joined([1]);
    s = addPending(s, { clientMsgId: 'mine', text: 'call me', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = applyAck(s, { seq: 2, epoch: 3n, clientMsgId: 'mine', sentAtMs: 5, status: MessageStatus.HELD }, alex);
    expect(s.messages.at(-1)).toMatchObject({ seq: 2, status: MessageStatus.HELD });
  });

  it('a MessageEvent with my client_msg_id clears the pending send', () => {
    let s = joined([1]);
    s = addPending(s, { clientMsgId: 'mine', text: 'hello', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = applyLiveMessage(s, msg(2, { sender: alex, text: 'hello', clientMsgId: 'mine' })).state;
    expect(s.pending).toEqual([]);
    s = applyAck(s, { seq: 2, epoch: 3n, clientMsgId: 'mine', sentAtMs: 5 }, alex);
    expect(seqs(s)).toEqual([1, 2]);
  });

  it('an ack ahead of a missing event does not move the resume point past the hole', () => {
    let s = joined([1]);
    s = addPending(s, { clientMsgId: 'mine', text: 'x', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = applyAck(s, { seq: 3, epoch: 3n, clientMsgId: 'mine', sentAtMs: 5 }, alex);
    expect(s.contiguousSeq).toBe(1);
    s = applyLiveMessage(s, msg(2)).state;
    expect(s.contiguousSeq).toBe(3);
  });

  it('after a disconnect every pending send goes out again with the same id', () => {
    let s = joined([1]);
    s = addPending(s, { clientMsgId: 'a', text: 'x', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = addPending(s, { clientMsgId: 'b', text: 'y', createdAtMs: 0, state: 'failed', sentOnConn: 1 });
    expect(unsentPending(s, 1)).toEqual([]);
    s = markDisconnected(s);
    expect(s.joined).toBe(false);
    expect(unsentPending(s, 2).map((p) => p.clientMsgId)).toEqual(['a']);
  });
});

describe('history and presence', () => {
  it('older pages merge in front without duplicates', () => {
    const s = joined([4, 5]);
    const r = applyHistory(s, [msg(2), msg(3), msg(4)], false);
    expect(seqs(r)).toEqual([2, 3, 4, 5]);
    expect(r.hasMore).toBe(false);
  });

  it('presence adds and removes members by id', () => {
    let s = joined([1]);
    s = applyPresence(s, sam, false);
    expect(s.present.map((m) => m.userId)).toEqual(['1']);
    s = applyPresence(s, sam, true);
    s = applyPresence(s, sam, true);
    expect(s.present.map((m) => m.userId)).toEqual(['1', '2']);
  });
});
