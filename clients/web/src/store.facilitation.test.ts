// The store's facilitator-action reducers: removed messages, approvals of held messages below
// the resume point, room controls and mutes against an injected clock, a member's removal, and
// the staff's held queue and member list.
import { describe, expect, it } from 'vitest';
import { MessageStatus, Role } from './proto';
import type { ChatMessage, ControlsInfo, Member, MemberInfo } from './proto';
import {
  addPending,
  applyAck,
  applyControls,
  applyHeldList,
  applyJoin,
  applyLiveMessage,
  applyMemberList,
  applyMemberMuted,
  applyMemberRemoved,
  applyModerated,
  applyPresence,
  applyRemoved,
  dropHeld,
  expireMutes,
  lockedByServer,
  markDisconnected,
  mutedByServer,
  nextMuteExpiry,
  postingBlock,
  resumePoint,
  trackHeld,
} from './store';
import type { RoomState } from './store';
import { blueHeron, msRivera, quietFox } from './testing/fixtures';
import { joinLunch, storeMsg, storeRoom } from './testing/storeFixtures';

const room = storeRoom;
const alex = blueHeron;
const sam = quietFox;
const rivera = msRivera;
const msg = storeMsg;

function joined(seqs: number[], lastSeq = Math.max(0, ...seqs), hasMore = false, extra = {}): RoomState {
  return joinLunch(seqs, { lastSeq, hasMore, present: [alex, sam, rivera], extra });
}

const seqs = (s: { messages: ChatMessage[] }) => s.messages.map((m) => m.seq);
const T0 = Date.UTC(2026, 10, 24, 17, 0); // a fixed "now"
const MIN = 60_000;

describe('a removed message', () => {
  it('loses its text and shows the cited ground rule; a repeat changes nothing', () => {
    const s = joined([1, 2, 3]);
    const r = applyRemoved(s, 2, 1);
    expect(r.messages[1]).toMatchObject({ seq: 2, text: '', status: MessageStatus.REMOVED, groundRule: 1 });
    expect(r.messages[0].text).toBe('m1');
    expect(r.messages[2].text).toBe('m3');
    expect(applyRemoved(r, 2, 1)).toBe(r);
    expect(r.contiguousSeq).toBe(3);
  });

  it('a seq this client never had is ignored (a rejected held message of someone else)', () => {
    const s = joined([1, 3], 3);
    expect(applyRemoved(s, 2, 4)).toBe(s);
  });

  it('leaves the held queue too', () => {
    let s = applyHeldList(joined([1]), [msg(2, { status: MessageStatus.HELD })]);
    s = applyRemoved(s, 2, 3);
    expect(s.held).toEqual([]);
  });

  it('my own held message, rejected, shows as removed', () => {
    let s = addPending(joined([1]), { clientMsgId: 'mine', text: 'call me', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = applyAck(s, { seq: 2, epoch: 3n, clientMsgId: 'mine', sentAtMs: 5, status: MessageStatus.HELD }, alex);
    s = applyRemoved(s, 2, 3);
    expect(s.messages.at(-1)).toMatchObject({ seq: 2, text: '', status: MessageStatus.REMOVED, groundRule: 3 });
  });
});

describe('an approved held message', () => {
  it('below the resume point goes in its place and is no gap', () => {
    // A student never had seq 3 (held); the join put the resume point at 5.
    const s = joined([1, 2, 4, 5], 5);
    expect(s.contiguousSeq).toBe(5);
    const r = applyLiveMessage(s, msg(3, { text: 'approved' }));
    expect(r.gap).toBe(false);
    expect(r.added).toBe(true);
    expect(seqs(r.state)).toEqual([1, 2, 3, 4, 5]);
    expect(r.state.messages[2].text).toBe('approved');
    expect(r.state.contiguousSeq).toBe(5);
    expect(resumePoint(r.state)).toEqual({ lastSeq: 5, epoch: 3n });
  });

  it('replaces the sender’s own held copy', () => {
    let s = addPending(joined([1]), { clientMsgId: 'mine', text: 'hi all', createdAtMs: 0, state: 'sending', sentOnConn: 1 });
    s = applyAck(s, { seq: 2, epoch: 3n, clientMsgId: 'mine', sentAtMs: 5, status: MessageStatus.HELD }, alex);
    s = applyLiveMessage(s, msg(3)).state;
    const r = applyLiveMessage(s, msg(2, { sender: alex, text: 'hi all', clientMsgId: 'mine' }));
    expect(r.gap).toBe(false);
    expect(r.added).toBe(false);
    expect(seqs(r.state)).toEqual([1, 2, 3]);
    expect(r.state.messages[1]).toMatchObject({ status: MessageStatus.VISIBLE, text: 'hi all' });
  });

  it('older than the page shown, with more history above, waits for "Load older"', () => {
    const s = joined([40, 41, 42], 42, true);
    const r = applyLiveMessage(s, msg(12));
    expect(r).toEqual({ state: s, added: false, gap: false });
  });

  it('the next seq after the resume point is appended as usual', () => {
    const r = applyLiveMessage(joined([1, 2]), msg(3));
    expect(r.gap).toBe(false);
    expect(r.state.contiguousSeq).toBe(3);
  });
});

describe('room controls and mutes (injected clock)', () => {
  const lockedControls: ControlsInfo = { locked: true, slowModeSeconds: 0, groundRule: 2, by: rivera };

  it('a join carries the controls and my mute', () => {
    const s = joined([1], 1, false, { controls: lockedControls, mutedUntilMs: T0 + 5 * MIN });
    expect(s.controls).toEqual(lockedControls);
    expect(s.mutedUntilMs).toBe(T0 + 5 * MIN);
    // A server without them: open, not muted.
    const plain = joined([1]);
    expect(plain.controls).toBeNull();
    expect(plain.mutedUntilMs).toBe(0);
    expect(postingBlock(plain, alex, T0)).toBeNull();
  });

  it('a locked room stops students, never staff; unlocking lets them post', () => {
    let s = applyControls(joined([1]), lockedControls);
    expect(postingBlock(s, alex, T0)).toBe('locked');
    expect(postingBlock(s, rivera, T0)).toBeNull();
    expect(postingBlock(s, { ...sam, role: Role.COUNSELOR }, T0)).toBeNull();
    expect(applyControls(s, { ...lockedControls })).toBe(s);
    // The server restating the controls (no one named, no rule) changes nothing, keeps the rule.
    expect(applyControls(s, { ...lockedControls, groundRule: 0, by: null })).toBe(s);
    const restated = applyControls(s, { locked: false, slowModeSeconds: 0, groundRule: 0, by: null });
    expect(postingBlock(restated, alex, T0)).toBeNull();
    s = applyControls(s, { ...lockedControls, locked: false, slowModeSeconds: 30 });
    expect(postingBlock(s, alex, T0)).toBeNull();
    expect(s.controls?.slowModeSeconds).toBe(30);
  });

  it('a mute stops me until its time, then ends by itself', () => {
    let s = applyMemberMuted(joined([1]), alex, T0 + 5 * MIN, alex);
    expect(s.mutedUntilMs).toBe(T0 + 5 * MIN);
    expect(postingBlock(s, alex, T0)).toBe('muted');
    expect(postingBlock(s, alex, T0 + 5 * MIN - 1)).toBe('muted');
    expect(postingBlock(s, alex, T0 + 5 * MIN)).toBeNull();
    expect(nextMuteExpiry(s)).toBe(T0 + 5 * MIN);
    expect(expireMutes(s, T0 + MIN)).toBe(s);
    s = expireMutes(s, T0 + 5 * MIN);
    expect(s.mutedUntilMs).toBe(0);
    expect(nextMuteExpiry(s)).toBe(0);
  });

  it('a lift (until 0) ends it at once; muting takes precedence over a lock in the reason', () => {
    let s = applyControls(applyMemberMuted(joined([1]), alex, T0 + 5 * MIN, alex), lockedControls);
    expect(postingBlock(s, alex, T0)).toBe('muted');
    s = applyMemberMuted(s, alex, 0, alex);
    expect(s.mutedUntilMs).toBe(0);
    expect(postingBlock(s, alex, T0)).toBe('locked');
  });

  it("another student's mute is not mine (students keep no member list)", () => {
    const s = joined([1]);
    expect(applyMemberMuted(s, sam, T0 + MIN, alex)).toBe(s);
  });

  it('the agreement still comes first', () => {
    const s = joined([1], 1, false, {
      mutedUntilMs: T0 + MIN,
      agreement: { version: 'v1', rules: [{ number: 1, text: 'Be kind.' }], accepted: false, required: true },
    });
    expect(postingBlock(s, alex, T0)).toBe('agreement');
  });

  it('refusals from the server set the state the push has not brought yet', () => {
    const s = joined([1]);
    const locked = lockedByServer(s);
    expect(locked.controls).toMatchObject({ locked: true, slowModeSeconds: 0 });
    expect(lockedByServer(locked)).toBe(locked);
    const muted = mutedByServer(s, 90_000, T0);
    expect(muted.mutedUntilMs).toBe(T0 + 90_000);
    expect(mutedByServer(muted, 30_000, T0)).toBe(muted); // never shortens it
    expect(mutedByServer(s, 0, T0)).toBe(s); // unknown: the re-join tells
  });

  it('a reconnect keeps controls and mute until the re-join says otherwise', () => {
    const s = markDisconnected(applyMemberMuted(applyControls(joined([1]), lockedControls), alex, T0 + MIN, alex));
    expect(s.controls?.locked).toBe(true);
    expect(s.mutedUntilMs).toBe(T0 + MIN);
    const r = applyJoin(s, { room: { ...room, lastSeq: 1 }, recovered: true, messages: [], hasMore: false, present: [], controls: null, mutedUntilMs: 0 }, true);
    expect(r.controls).toBeNull();
    expect(r.mutedUntilMs).toBe(0);
  });
});

describe('a member removed from the room', () => {
  it('is me: the room is gone', () => {
    expect(applyMemberRemoved(joined([1]), alex, alex)).toBeNull();
  });

  it('is someone else: they leave the presence and the member list, messages stay', () => {
    let s = applyMemberList(joined([1]), [
      { member: alex, present: true, mutedUntilMs: 0 },
      { member: sam, present: true, mutedUntilMs: 0 },
    ]);
    const r = applyMemberRemoved(s, sam, rivera);
    expect(r?.present.map((m) => m.userId)).toEqual(['1', '6']);
    expect(r?.members?.map((x) => x.member.userId)).toEqual(['1']);
    expect(seqs(r!)).toEqual([1]);
    s = applyMemberRemoved(joined([1]), sam, alex)!;
    expect(s.members).toBeNull(); // a student keeps no member list
    expect(s.present.map((m) => m.userId)).toEqual(['1', '6']);
  });
});

describe('the held queue (staff)', () => {
  const held = (seq: number, sender = sam) => msg(seq, { status: MessageStatus.HELD, sender, text: `held ${seq}` });

  it('loads from ListHeld in seq order, held only', () => {
    const s = applyHeldList({ ...joined([1]), heldError: 'old error' }, [held(5), held(3), msg(4)]);
    expect(s.held?.map((m) => m.seq)).toEqual([3, 5]);
    expect(s.heldError).toBe('');
  });

  it('a HELD event joins it once; approval or removal takes it out', () => {
    let s = applyHeldList(joined([1]), []);
    let r = trackHeld(s, held(2));
    expect(r.added).toBe(true);
    s = r.state;
    r = trackHeld(s, held(2));
    expect(r.added).toBe(false);
    expect(r.state).toBe(s);
    s = trackHeld(s, held(3)).state;
    expect(s.held?.map((m) => m.seq)).toEqual([2, 3]);
    s = trackHeld(s, msg(2, { text: 'held 2' })).state; // approved: VISIBLE for the room
    expect(s.held?.map((m) => m.seq)).toEqual([3]);
    s = trackHeld(s, msg(3, { status: MessageStatus.REMOVED, text: '' })).state;
    expect(s.held).toEqual([]);
    expect(trackHeld(s, msg(9)).state).toBe(s);
  });

  it('a held event before the list arrives starts the queue', () => {
    const r = trackHeld(joined([1]), held(2));
    expect(r.state.held?.map((m) => m.seq)).toEqual([2]);
  });

  it('MessageModerated: approved becomes visible in the list; removed loses its text', () => {
    let s = applyLiveMessage(joined([1]), held(2)).state;
    s = applyHeldList(s, [held(2), held(3)]);
    s = applyModerated(s, 2, MessageStatus.VISIBLE, 1);
    expect(s.messages[1]).toMatchObject({ seq: 2, status: MessageStatus.VISIBLE, text: 'held 2' });
    expect(s.held?.map((m) => m.seq)).toEqual([3]);
    s = applyModerated(s, 3, MessageStatus.REMOVED, 4);
    expect(s.held).toEqual([]);
    s = applyModerated(s, 2, MessageStatus.REMOVED, 4);
    expect(s.messages[1]).toMatchObject({ text: '', status: MessageStatus.REMOVED, groundRule: 4 });
    expect(dropHeld(s, 99)).toBe(s);
  });
});

describe('the member list (staff)', () => {
  const list: MemberInfo[] = [
    { member: alex, present: true, mutedUntilMs: 0 },
    { member: sam, present: false, mutedUntilMs: T0 + 10 * MIN },
    { member: alex, present: true, mutedUntilMs: 0 },
  ];

  it('loads once per member and follows presence', () => {
    let s = applyMemberList({ ...joined([1]), membersError: 'x' }, list);
    expect(s.members?.map((x) => x.member.userId)).toEqual(['1', '2']);
    expect(s.membersError).toBe('');
    s = applyPresence(s, sam, true);
    expect(s.members?.find((x) => x.member.userId === '2')?.present).toBe(true);
    s = applyPresence(s, alex, false);
    expect(s.members?.find((x) => x.member.userId === '1')?.present).toBe(false);
    const lee: Member = { userId: '9', displayName: 'Mr. Lee', role: Role.FACILITATOR };
    s = applyPresence(s, lee, true);
    expect(s.members?.at(-1)).toEqual({ member: lee, present: true, mutedUntilMs: 0 });
  });

  it('shows mutes and lifts, and ends them on time', () => {
    let s = applyMemberList(joined([1]), list);
    expect(nextMuteExpiry(s)).toBe(T0 + 10 * MIN);
    s = applyMemberMuted(s, alex, T0 + 5 * MIN, rivera);
    expect(s.mutedUntilMs).toBe(0); // the facilitator is not the one muted
    expect(s.members?.find((x) => x.member.userId === '1')?.mutedUntilMs).toBe(T0 + 5 * MIN);
    expect(nextMuteExpiry(s)).toBe(T0 + 5 * MIN);
    s = expireMutes(s, T0 + 5 * MIN);
    expect(s.members?.map((x) => x.mutedUntilMs)).toEqual([0, T0 + 10 * MIN]);
    s = applyMemberMuted(s, sam, 0, rivera);
    expect(s.members?.map((x) => x.mutedUntilMs)).toEqual([0, 0]);
    expect(nextMuteExpiry(s)).toBe(0);
  });
});
