import { describe, expect, it } from 'vitest';
import { MessageStatus, Role } from './proto';
import type { AgreementInfo, ChatMessage, Member, SessionInfo } from './proto';
import {
  addPending,
  agreementOutdated,
  applyAgreementAccepted,
  applySession,
  facilitatorPresent,
  needsAgreement,
  postingBlock,
  startAccepting,
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
  addTalkNotice,
  applyTalkAck,
  applyTalkError,
  closeTalk,
  dismissTalkNotice,
  noTalkNotices,
  retryTalk,
  startTalk,
  talkNoticeText,
  talkSent,
  talkTimedOut,
  unsentTalk,
} from './store';
import type { TalkAck, TalkNotice } from './proto';
import { blueHeron, quietFox } from './testing/fixtures';
import { joinLunch, storeMsg, storeRoom } from './testing/storeFixtures';

const room = storeRoom;
const alex = blueHeron;
const sam = quietFox;
const msg = storeMsg;

function joined(seqs: number[], lastSeq = Math.max(0, ...seqs)) {
  return joinLunch(seqs, { lastSeq, hasMore: seqs[0] > 1 });
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

const rivera: Member = { userId: '6', displayName: 'Ms. Rivera (facilitator)', role: Role.FACILITATOR };
const okafor: Member = { userId: '8', displayName: 'Mr. Lee (facilitator)', role: Role.FACILITATOR };

const closed: SessionInfo = {
  open: false,
  openedAtMs: 0,
  openedBy: null,
  facilitatorPresent: false,
  live: false,
  timeZone: 'America/New_York',
  schedule: [{ weekday: 2, startMinute: 730, durationMinutes: 40 }],
  required: true,
};
const liveSession: SessionInfo = { ...closed, open: true, openedAtMs: 5, openedBy: rivera, facilitatorPresent: true, live: true };
const agreement: AgreementInfo = {
  version: 'v1',
  rules: [{ number: 1, text: 'Be kind.' }],
  accepted: false,
  required: true,
};

function joinedWith(session: SessionInfo | null, agr: AgreementInfo | null, present: Member[] = [alex, sam]) {
  return applyJoin(
    newRoomState(room),
    { room: { ...room, lastSeq: 1 }, recovered: false, messages: [msg(1)], hasMore: false, present, session, agreement: agr },
    false,
  );
}

describe('sessions', () => {
  it('a join carries the session and the agreement', () => {
    const s = joinedWith(liveSession, agreement, [alex, rivera]);
    expect(s.session).toEqual(liveSession);
    expect(s.agreement).toEqual(agreement);
    // A server without sessions sends neither: always live, nothing to accept.
    const plain = joined([1]);
    expect(plain.session).toBeNull();
    expect(postingBlock(plain, alex)).toBeNull();
  });

  it('a facilitator leaving pauses a live session; coming back makes it live again', () => {
    let s = joinedWith(liveSession, { ...agreement, accepted: true }, [alex, rivera]);
    expect(facilitatorPresent(s.present)).toBe(true);
    s = applyPresence(s, rivera, false);
    expect(s.session).toMatchObject({ open: true, facilitatorPresent: false, live: false });
    expect(postingBlock(s, alex)).toBe('not-live');
    s = applyPresence(s, rivera, true);
    expect(s.session).toMatchObject({ facilitatorPresent: true, live: true });
    expect(postingBlock(s, alex)).toBeNull();
  });

  it('stays live while another facilitator is still here', () => {
    let s = joinedWith(liveSession, null, [alex, rivera, okafor]);
    s = applyPresence(s, rivera, false);
    expect(s.session?.live).toBe(true);
    s = applyPresence(s, okafor, false);
    expect(s.session?.live).toBe(false);
  });

  it('a student coming or going does not change the session', () => {
    const s = joinedWith(liveSession, null, [alex, rivera]);
    const r = applyPresence(s, sam, true);
    expect(r.session).toBe(s.session);
  });

  it('a facilitator arriving does not make a closed session live', () => {
    let s = joinedWith(closed, null, [alex]);
    s = applyPresence(s, rivera, true);
    expect(s.session).toMatchObject({ open: false, facilitatorPresent: true, live: false });
  });

  it('rooms without sessions stay live whoever leaves', () => {
    const off = { ...liveSession, required: false };
    const s = applyPresence(joinedWith(off, null, [alex, rivera]), rivera, false);
    expect(s.session).toMatchObject({ facilitatorPresent: false, live: true });
    expect(postingBlock(s, alex)).toBeNull();
  });

  it('a SessionState event replaces the session and ends an open/close in flight', () => {
    let s = { ...joinedWith(closed, null, [alex, rivera]), sessionBusy: true };
    s = applySession(s, liveSession);
    expect(s.session?.live).toBe(true);
    expect(s.sessionBusy).toBe(false);
    expect(markDisconnected({ ...s, sessionBusy: true }).sessionBusy).toBe(false);
  });

  it('gates students only: staff may post while the room is not live', () => {
    const s = joinedWith(closed, { ...agreement, required: false }, [alex]);
    expect(postingBlock(s, alex)).toBe('not-live');
    expect(postingBlock(s, rivera)).toBeNull();
    expect(postingBlock(s, { ...sam, role: Role.COUNSELOR })).toBeNull();
  });
});

describe('group agreement', () => {
  it('must be accepted before a student posts, then the session gate applies', () => {
    let s = joinedWith(closed, agreement);
    expect(needsAgreement(s)).toBe(true);
    expect(postingBlock(s, alex)).toBe('agreement');
    s = startAccepting(s);
    expect(s.accepting).toBe(true);
    s = applyAgreementAccepted(s, 'v1');
    expect(s.accepting).toBe(false);
    expect(s.agreement?.accepted).toBe(true);
    expect(needsAgreement(s)).toBe(false);
    expect(postingBlock(s, alex)).toBe('not-live');
    expect(postingBlock(applySession(s, liveSession), alex)).toBeNull();
  });

  it('an acceptance of another version does not count', () => {
    const s = applyAgreementAccepted(startAccepting(joinedWith(liveSession, agreement)), 'v0');
    expect(s.accepting).toBe(false);
    expect(needsAgreement(s)).toBe(true);
  });

  it('AGREEMENT_REQUIRED shows the agreement again until the re-join brings the new version', () => {
    let s = joinedWith(liveSession, { ...agreement, accepted: true });
    expect(postingBlock(s, alex)).toBeNull();
    s = agreementOutdated(s);
    expect(needsAgreement(s)).toBe(true);
    const v2: AgreementInfo = { version: 'v2', rules: [{ number: 1, text: 'Be kind.' }, { number: 2, text: 'No hate.' }], accepted: false, required: true };
    s = applyJoin(s, { room: { ...room, lastSeq: 1 }, recovered: true, messages: [], hasMore: false, present: [alex, rivera], session: liveSession, agreement: v2 }, true);
    expect(s.agreement?.version).toBe('v2');
    expect(applyAgreementAccepted(s, 'v2').agreement?.accepted).toBe(true);
  });

  it('is never required of staff', () => {
    const s = joinedWith(closed, { ...agreement, required: false });
    expect(needsAgreement(s)).toBe(false);
    expect(postingBlock(s, rivera)).toBeNull();
  });
});

describe('"I need to talk" (the student)', () => {
  const ack: TalkAck = {
    roomId: '7',
    escalationId: '41',
    support: 'Call or text 988.',
    confirmation: 'A counselor has been told.',
    duplicate: false,
  };

  it('press → sent → answered; a second press meanwhile changes nothing', () => {
    let s = startTalk(newRoomState(room), 'talk-1');
    expect(s.talk).toEqual({ state: 'sending', clientMsgId: 'talk-1', sentOnConn: -1, attempt: 0 });
    expect(unsentTalk(s, 1)).toBe('talk-1');
    s = talkSent(s, 'talk-1', 1);
    expect(s.talk).toMatchObject({ state: 'sending', sentOnConn: 1, attempt: 1 });
    expect(unsentTalk(s, 1)).toBeNull();
    expect(startTalk(s, 'talk-2')).toBe(s);
    s = applyTalkAck(s, ack, 'talk-1');
    expect(s.talk).toEqual({
      state: 'done',
      clientMsgId: 'talk-1',
      escalationId: '41',
      support: 'Call or text 988.',
      confirmation: 'A counselor has been told.',
      duplicate: false,
    });
    expect(startTalk(s, 'talk-2')).toBe(s);
    // Closing the answer makes the next press a new request.
    s = closeTalk(s);
    expect(s.talk).toBeNull();
    expect(startTalk(s, 'talk-2').talk?.clientMsgId).toBe('talk-2');
  });

  it('survives a join, and a lost connection sends it again with the same id', () => {
    let s = talkSent(startTalk(joined([1]), 'talk-1'), 'talk-1', 3);
    s = applyJoin(s, { room: { ...room, lastSeq: 1 }, recovered: true, messages: [], hasMore: false, present: [] }, true);
    expect(s.talk?.state).toBe('sending');
    s = markDisconnected(s);
    expect(s.talk).toMatchObject({ state: 'sending', clientMsgId: 'talk-1', sentOnConn: -1 });
    expect(unsentTalk(s, 4)).toBe('talk-1');
    s = talkSent(s, 'talk-1', 4);
    expect(s.talk).toMatchObject({ sentOnConn: 4, attempt: 2 });
    // A finished one is not sent again.
    expect(unsentTalk(markDisconnected(applyTalkAck(s, ack)), 5)).toBeNull();
  });

  it('an error fails it; Try again keeps the id; a close returns to the button', () => {
    let s = talkSent(startTalk(newRoomState(room), 'talk-1'), 'talk-1', 1);
    expect(applyTalkError(s, 'other', 'x')).toBe(s);
    s = applyTalkError(s, 'talk-1', 'It did not go through.');
    expect(s.talk).toEqual({ state: 'failed', clientMsgId: 'talk-1', error: 'It did not go through.' });
    expect(startTalk(s, 'talk-2')).toBe(s);
    const again = retryTalk(s);
    expect(again.talk).toEqual({ state: 'sending', clientMsgId: 'talk-1', sentOnConn: -1, attempt: 0 });
    expect(closeTalk(again)).toBe(again); // not while sending
    expect(closeTalk(s).talk).toBeNull();
    expect(retryTalk(again)).toBe(again);
  });

  it('times out only the transmission it was set for, and never while waiting to go out', () => {
    let s = talkSent(startTalk(newRoomState(room), 'talk-1'), 'talk-1', 1);
    expect(talkTimedOut(s, 'talk-1', 0, 'late')).toBe(s);
    const waiting = markDisconnected(s);
    expect(talkTimedOut(waiting, 'talk-1', 1, 'late')).toBe(waiting);
    s = talkTimedOut(s, 'talk-1', 1, 'late');
    expect(s.talk).toEqual({ state: 'failed', clientMsgId: 'talk-1', error: 'late' });
    // The answer came after all: it did arrive.
    expect(applyTalkAck(s, ack, 'talk-1').talk?.state).toBe('done');
  });

  it('ignores an answer to another request, or with nothing under way', () => {
    const idle = newRoomState(room);
    expect(applyTalkAck(idle, ack)).toBe(idle);
    const s = startTalk(idle, 'talk-1');
    expect(applyTalkAck(s, ack, 'talk-0')).toBe(s);
    expect(applyTalkAck(s, { ...ack, duplicate: true }).talk).toMatchObject({ state: 'done', duplicate: true });
  });
});

describe('students who asked to talk (staff)', () => {
  const notice = (id: string, atMs: number, extra: Partial<TalkNotice> = {}): TalkNotice => ({
    escalationId: id,
    roomId: '7',
    roomName: 'Lunch Bunch',
    student: alex,
    atMs,
    ...extra,
  });

  it('lists newest first, one per escalation', () => {
    let n = addTalkNotice(noTalkNotices, notice('5', 1000));
    n = addTalkNotice(n, notice('9', 3000));
    n = addTalkNotice(n, notice('7', 2000, { student: sam }));
    expect(n.items.map((x) => x.escalationId)).toEqual(['9', '7', '5']);
    expect(addTalkNotice(n, notice('7', 2000))).toBe(n);
    // Same time: the larger id (numerically) first.
    n = addTalkNotice(n, notice('10', 3000));
    expect(n.items.map((x) => x.escalationId)).toEqual(['10', '9', '7', '5']);
  });

  it('a dismissed notice stays dismissed when it arrives again', () => {
    let n = addTalkNotice(addTalkNotice(noTalkNotices, notice('5', 1000)), notice('6', 2000));
    n = dismissTalkNotice(n, '5');
    expect(n.items.map((x) => x.escalationId)).toEqual(['6']);
    expect(addTalkNotice(n, notice('5', 1000))).toBe(n);
    expect(dismissTalkNotice(n, '5')).toBe(n);
    expect(addTalkNotice(n, notice('0', 1))).toBe(n); // no escalation id: nothing to show
  });

  it('says who, where and when', () => {
    expect(talkNoticeText(notice('5', 1000), '12:34')).toBe('Blue Heron in Lunch Bunch asked to talk — 12:34');
    expect(talkNoticeText(notice('5', 1000, { roomName: '' }), '')).toBe('Blue Heron asked to talk');
  });
});
