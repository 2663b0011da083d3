// Per-room message state: pure functions, no I/O. Messages are kept sorted by seq and
// unique; `contiguousSeq` is the highest seq up to which the client has everything the
// server will give it, and is what the client resumes from. The room's facilitated session
// and group agreement live here too, and so do a student's "I need to talk" and the staff's
// list of students who asked to talk, and what facilitator actions change: removed messages,
// the room's controls (lock, slow mode), a student's mute, and the staff's held queue and
// member list. Peer reports keep their own state (reports.ts) under `reports`, check-in rounds
// and the participation view theirs (checkins.ts) under `checkIn`, a facilitator's "Tell a
// counselor" marks theirs (escalate.ts) under `escalate`.
import { MessageStatus, Role } from './proto';
import type {
  AgreementInfo,
  ChatMessage,
  ControlsInfo,
  Member,
  MemberInfo,
  RoomInfo,
  SessionInfo,
  TalkAck,
  TalkNotice,
} from './proto';
import { checkInsDisconnected, noCheckIn } from './checkins';
import type { RoomCheckIn } from './checkins';
import { noEscalate } from './escalate';
import type { RoomEscalate } from './escalate';
import { noReports, reportsDisconnected } from './reports';
import type { RoomReports } from './reports';
import type { PostBlock } from './sessions';

export interface PendingSend {
  clientMsgId: string;
  text: string;
  createdAtMs: number;
  state: 'sending' | 'failed';
  error?: string;
  /** A failed send that reached a counselor anyway: the supportive reply for the student. */
  support?: string;
  /** Connection generation the send went out on; -1 = not sent on the current connection. */
  sentOnConn: number;
}

export interface RoomState {
  room: RoomInfo;
  /** A JoinResult arrived on the current connection. */
  joined: boolean;
  /** A (re-)join is in flight; live events do not trigger another one. */
  joining: boolean;
  /** Joined at least once in this page session: the next join carries a Resume. */
  seen: boolean;
  messages: ChatMessage[];
  contiguousSeq: number;
  hasMore: boolean;
  loadingOlder: boolean;
  present: Member[];
  pending: PendingSend[];
  /** The room's session (null: the server sent none, so the room is always live). */
  session: SessionInfo | null;
  /** The group agreement for this user (null: the server sent none). */
  agreement: AgreementInfo | null;
  /** An AcceptAgreement is in flight. */
  accepting: boolean;
  /** An OpenSession/CloseSession is in flight. */
  sessionBusy: boolean;
  /** This student's "I need to talk" in this room (null: not pressed, or the panel was closed). */
  talk: TalkRequest | null;
  /** Read-only and slow mode (null: the server sent none, so neither). */
  controls: ControlsInfo | null;
  /** This user is muted here until then, in this browser's clock (Unix ms); 0 when not. */
  mutedUntilMs: number;
  /** Staff: held messages waiting for a decision, oldest first (null: not loaded). */
  held: ChatMessage[] | null;
  heldError: string;
  /** Staff: every member, present or not, and their mutes (null: not loaded). */
  members: MemberInfo[] | null;
  membersError: string;
  /** Peer reports: a student's own, or the staff's queue (reports.ts). */
  reports: RoomReports;
  /** Check-in rounds and, for facilitators, the participation view (checkins.ts). */
  checkIn: RoomCheckIn;
  /** Facilitators: messages a counselor was told of, and those on their way (escalate.ts). */
  escalate: RoomEscalate;
}

export function newRoomState(room: RoomInfo): RoomState {
  return {
    room,
    joined: false,
    joining: false,
    seen: false,
    messages: [],
    contiguousSeq: 0,
    hasMore: false,
    loadingOlder: false,
    present: [],
    pending: [],
    session: null,
    agreement: null,
    accepting: false,
    sessionBusy: false,
    talk: null,
    controls: null,
    mutedUntilMs: 0,
    held: null,
    heldError: '',
    members: null,
    membersError: '',
    reports: noReports,
    checkIn: noCheckIn,
    escalate: noEscalate,
  };
}

export interface ResumePoint {
  lastSeq: number;
  epoch: bigint;
}

/** The resume point for a re-join, or null for a fresh join. */
export function resumePoint(s: RoomState): ResumePoint | null {
  if (!s.seen) return null;
  return { lastSeq: s.contiguousSeq, epoch: s.room.epoch };
}

// ---- helpers ---------------------------------------------------------------------------

function indexOfSeq(list: ChatMessage[], seq: number): { found: boolean; index: number } {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return { found: lo < list.length && list[lo].seq === seq, index: lo };
}

/** Merge `incoming` into `list` by seq; an existing seq keeps its entry unless `replace`. */
export function mergeMessages(list: ChatMessage[], incoming: ChatMessage[], replace = false): ChatMessage[] {
  if (incoming.length === 0) return list;
  const out = list.slice();
  for (const m of incoming) {
    if (!Number.isFinite(m.seq) || m.seq <= 0) continue;
    const { found, index } = indexOfSeq(out, m.seq);
    if (found) {
      if (replace) out[index] = m;
    } else {
      out.splice(index, 0, m);
    }
  }
  return out;
}

export function hasSeq(list: ChatMessage[], seq: number): boolean {
  return indexOfSeq(list, seq).found;
}

/** Advance `from` while the next seq is already present. */
export function advanceContiguous(list: ChatMessage[], from: number): number {
  let c = from;
  let { index } = indexOfSeq(list, c + 1);
  while (index < list.length && list[index].seq === c + 1) {
    c += 1;
    index += 1;
  }
  return c;
}

function dropPendingFor(pending: PendingSend[], msgs: ChatMessage[]): PendingSend[] {
  if (pending.length === 0 || msgs.length === 0) return pending;
  const ids = new Set(msgs.map((m) => m.clientMsgId).filter(Boolean));
  const out = pending.filter((p) => !ids.has(p.clientMsgId));
  return out.length === pending.length ? pending : out;
}

function maxSeq(msgs: ChatMessage[]): number {
  let m = 0;
  for (const x of msgs) if (x.seq > m) m = x.seq;
  return m;
}

// ---- reducers --------------------------------------------------------------------------

export interface JoinData {
  room: RoomInfo;
  recovered: boolean;
  messages: ChatMessage[];
  hasMore: boolean;
  present: Member[];
  session?: SessionInfo | null;
  agreement?: AgreementInfo | null;
  controls?: ControlsInfo | null;
  /** This user's mute here, in this browser's clock; 0 when not muted. */
  mutedUntilMs?: number;
}

/**
 * Apply a JoinResult. With a resume that the server recovered, the replayed messages are
 * merged; otherwise (fresh join, or recovered=false) local messages are replaced by the
 * returned page.
 */
export function applyJoin(s: RoomState, j: JoinData, withResume: boolean): RoomState {
  const keep = withResume && j.recovered && j.room.epoch === s.room.epoch;
  const messages = keep ? mergeMessages(s.messages, j.messages, true) : mergeMessages([], j.messages);
  let contiguous = keep ? s.contiguousSeq : 0;
  contiguous = Math.max(contiguous, j.room.lastSeq, maxSeq(j.messages));
  contiguous = advanceContiguous(messages, contiguous);
  return {
    ...s,
    room: { ...s.room, ...j.room, lastSeq: Math.max(j.room.lastSeq, contiguous) },
    joined: true,
    joining: false,
    seen: true,
    messages,
    contiguousSeq: contiguous,
    hasMore: keep ? s.hasMore || j.hasMore : j.hasMore,
    loadingOlder: false,
    present: dedupeMembers(j.present),
    pending: dropPendingFor(s.pending, j.messages),
    session: j.session ?? null,
    agreement: j.agreement ?? null,
    accepting: false,
    controls: j.controls ?? null,
    mutedUntilMs: j.mutedUntilMs ?? 0,
  };
}

/** An older page (oldest first) from a HistoryRequest. */
export function applyHistory(s: RoomState, msgs: ChatMessage[], hasMore: boolean): RoomState {
  const messages = mergeMessages(s.messages, msgs);
  return {
    ...s,
    messages,
    hasMore,
    loadingOlder: false,
    contiguousSeq: advanceContiguous(messages, s.contiguousSeq),
  };
}

export interface LiveResult {
  state: RoomState;
  /** The message was new and is now shown. */
  added: boolean;
  /** Messages are missing before this one (or the epoch changed): re-join with Resume. */
  gap: boolean;
}

/** A live MessageEvent pushed by the server. */
export function applyLiveMessage(s: RoomState, m: ChatMessage): LiveResult {
  if (s.seen && m.epoch !== 0n && m.epoch !== s.room.epoch) {
    // A different epoch: what we hold may be stale. Ask the server (it answers recovered=false).
    return { state: s, added: false, gap: !s.joining };
  }
  const pending = s.pending.filter((p) => p.clientMsgId !== m.clientMsgId || !m.clientMsgId);
  if (hasSeq(s.messages, m.seq)) {
    // Already shown: only a status change (e.g. held → visible) replaces it.
    const existing = s.messages[indexOfSeq(s.messages, m.seq).index];
    const changed = existing.status !== m.status || existing.text !== m.text;
    const messages = changed ? mergeMessages(s.messages, [m], true) : s.messages;
    if (!changed && pending.length === s.pending.length) return { state: s, added: false, gap: false };
    return { state: { ...s, messages, pending }, added: false, gap: false };
  }
  if (s.hasMore && s.messages.length > 0 && m.seq < s.messages[0].seq) {
    // An approval older than the page shown, with more history above it: "Load older" brings
    // it. Inserting it now would make the next page start below it and skip what lies between.
    return { state: pending.length === s.pending.length ? s : { ...s, pending }, added: false, gap: false };
  }
  const messages = mergeMessages(s.messages, [m]);
  // A seq at or below the resume point is an approved held message this client never had:
  // it goes in its place, and is no gap. Only a seq past contiguousSeq + 1 means a hole.
  const gap = s.seen && m.seq > s.contiguousSeq + 1 && !s.joining;
  const contiguousSeq = advanceContiguous(messages, s.contiguousSeq);
  return {
    state: {
      ...s,
      messages,
      pending,
      contiguousSeq,
      room: { ...s.room, lastSeq: Math.max(s.room.lastSeq, m.seq) },
    },
    added: true,
    gap,
  };
}

export interface AckData {
  seq: number;
  epoch: bigint;
  clientMsgId: string;
  sentAtMs: number;
  /** HELD when a facilitator must approve it first; VISIBLE (or unset) otherwise. */
  status?: MessageStatus;
}

/** A SendAck: the pending send is committed. Show it as ours unless its event came first. */
export function applyAck(s: RoomState, ack: AckData, me: Member): RoomState {
  const p = s.pending.find((x) => x.clientMsgId === ack.clientMsgId);
  const pending = s.pending.filter((x) => x.clientMsgId !== ack.clientMsgId);
  if (hasSeq(s.messages, ack.seq) || !p || ack.seq <= 0) {
    return pending.length === s.pending.length ? s : { ...s, pending };
  }
  const msg: ChatMessage = {
    roomId: s.room.roomId,
    seq: ack.seq,
    epoch: ack.epoch,
    sender: me,
    text: p.text,
    sentAtMs: ack.sentAtMs || Date.now(),
    clientMsgId: ack.clientMsgId,
    status: ack.status === MessageStatus.HELD ? MessageStatus.HELD : MessageStatus.VISIBLE,
  };
  const messages = mergeMessages(s.messages, [msg]);
  return {
    ...s,
    messages,
    pending,
    contiguousSeq: advanceContiguous(messages, s.contiguousSeq),
    room: { ...s.room, lastSeq: Math.max(s.room.lastSeq, ack.seq) },
  };
}

/**
 * A MessageRemoved (or a MessageModerated answer saying REMOVED): the text goes, the ground rule
 * the facilitator cited is kept. A seq this client never had is ignored (a rejected held message
 * of someone else); it leaves the held queue either way.
 */
export function applyRemoved(s: RoomState, seq: number, groundRule = 0): RoomState {
  const next = dropHeld(s, seq);
  const { found, index } = indexOfSeq(next.messages, seq);
  if (!found) return next;
  const old = next.messages[index];
  if (old.status === MessageStatus.REMOVED && !old.text && (old.groundRule ?? 0) === groundRule) return next;
  const messages = next.messages.slice();
  messages[index] = { ...old, text: '', status: MessageStatus.REMOVED, groundRule };
  return { ...next, messages };
}

function dedupeMembers(list: Member[]): Member[] {
  const seen = new Set<string>();
  const out: Member[] = [];
  for (const m of list) {
    if (seen.has(m.userId)) continue;
    seen.add(m.userId);
    out.push(m);
  }
  return out;
}

/**
 * A PresenceChange. A facilitator arriving or leaving changes whether the session is live:
 * it is recomputed from everyone present (another facilitator may still be here).
 */
export function applyPresence(s: RoomState, member: Member, present: boolean): RoomState {
  const others = s.present.filter((m) => m.userId !== member.userId);
  const list = present ? [...others, member] : others;
  const session =
    s.session && member.role === Role.FACILITATOR ? withFacilitator(s.session, facilitatorPresent(list)) : s.session;
  return { ...s, present: list, session, members: memberPresence(s.members, member, present) };
}

// ---- sessions and the group agreement ---------------------------------------------------

export function facilitatorPresent(present: Member[]): boolean {
  return present.some((m) => m.role === Role.FACILITATOR);
}

/** The session with facilitator presence set, and `live` recomputed from it. */
export function withFacilitator(session: SessionInfo, present: boolean): SessionInfo {
  const live = !session.required || (session.open && present);
  if (session.facilitatorPresent === present && session.live === live) return session;
  return { ...session, facilitatorPresent: present, live };
}

/** A SessionState: the answer to Open/CloseSession, or pushed when a session opens or closes. */
export function applySession(s: RoomState, session: SessionInfo): RoomState {
  return { ...s, session, sessionBusy: false };
}

export function needsAgreement(s: RoomState): boolean {
  return !!s.agreement && s.agreement.required && !s.agreement.accepted;
}

export function startAccepting(s: RoomState): RoomState {
  return { ...s, accepting: true };
}

/** AgreementAccepted: accepted if it is the version shown (else the re-join shows the new one). */
export function applyAgreementAccepted(s: RoomState, version: string): RoomState {
  const a = s.agreement;
  if (!a || a.version !== version) return { ...s, accepting: false };
  return { ...s, accepting: false, agreement: { ...a, accepted: true } };
}

/**
 * The server wants the agreement (again): AGREEMENT_REQUIRED on a send, or a stale version on
 * accept. Show it as not accepted until the re-join brings the current version.
 */
export function agreementOutdated(s: RoomState): RoomState {
  const a = s.agreement;
  if (!a) return { ...s, accepting: false };
  return { ...s, accepting: false, agreement: { ...a, accepted: false, required: true } };
}

/**
 * Why `me` cannot post here now, or null. The agreement gates whoever the server says must
 * accept it (never staff); the session gates students only.
 */
export function postingBlock(s: RoomState, me: Member | null, now = Date.now()): PostBlock {
  if (needsAgreement(s)) return 'agreement';
  if (!me || me.role !== Role.STUDENT) return null;
  if (s.mutedUntilMs > now) return 'muted';
  if (s.controls?.locked) return 'locked';
  if (s.session && s.session.required && !s.session.live) return 'not-live';
  return null;
}

// ---- facilitator actions: what everyone sees ----------------------------------------------

/**
 * RoomControls: the answer to SetRoomControls, or pushed to the room when they change. One
 * that names nobody is the server restating the controls (after it lost touch with the
 * other servers): it changes the state only if the controls differ, and keeps who set them.
 */
export function applyControls(s: RoomState, controls: ControlsInfo): RoomState {
  const c = s.controls;
  const same = c && c.locked === controls.locked && c.slowModeSeconds === controls.slowModeSeconds;
  if (same && (controls.by === null || c.groundRule === controls.groundRule)) return s;
  return { ...s, controls };
}

/** A send refused with ROOM_LOCKED: the room is read-only (the pushed RoomControls may be late). */
export function lockedByServer(s: RoomState): RoomState {
  if (s.controls?.locked) return s;
  const c: ControlsInfo = s.controls ?? { locked: false, slowModeSeconds: 0, groundRule: 0, by: null };
  return { ...s, controls: { ...c, locked: true } };
}

/** A send refused with MUTED: muted for at least `retryAfterMs` more (0: unknown, re-join). */
export function mutedByServer(s: RoomState, retryAfterMs: number, now: number): RoomState {
  if (retryAfterMs <= 0 || s.mutedUntilMs >= now + retryAfterMs) return s;
  return { ...s, mutedUntilMs: now + retryAfterMs };
}

function sameUser(a: Member | null | undefined, b: Member | null | undefined): boolean {
  return !!a && !!b && a.userId === b.userId;
}

/**
 * A MemberMuted (`untilMs` in this browser's clock; 0 = lifted). Sent to the muted student and
 * the room's staff only: `me`'s own mute gates the composer; staff see it in the member list.
 */
export function applyMemberMuted(s: RoomState, member: Member, untilMs: number, me: Member | null): RoomState {
  const until = Math.max(0, untilMs);
  let next = s;
  if (sameUser(member, me) && s.mutedUntilMs !== until) next = { ...next, mutedUntilMs: until };
  if (s.members) {
    const i = s.members.findIndex((x) => x.member.userId === member.userId);
    if (i < 0) {
      const present = s.present.some((m) => m.userId === member.userId);
      next = { ...next, members: [...s.members, { member, present, mutedUntilMs: until }] };
    } else if (s.members[i].mutedUntilMs !== until) {
      const members = s.members.slice();
      members[i] = { ...members[i], mutedUntilMs: until };
      next = { ...next, members };
    }
  }
  return next;
}

/** Mutes whose time is up at `now` are over (the server sends nothing when a mute ends). */
export function expireMutes(s: RoomState, now: number): RoomState {
  let next = s;
  if (s.mutedUntilMs > 0 && s.mutedUntilMs <= now) next = { ...next, mutedUntilMs: 0 };
  if (s.members?.some((x) => x.mutedUntilMs > 0 && x.mutedUntilMs <= now)) {
    next = {
      ...next,
      members: s.members.map((x) => (x.mutedUntilMs > 0 && x.mutedUntilMs <= now ? { ...x, mutedUntilMs: 0 } : x)),
    };
  }
  return next;
}

/** When the next mute here ends (this user's, or one in the staff's member list); 0: none. */
export function nextMuteExpiry(s: RoomState): number {
  let at = s.mutedUntilMs > 0 ? s.mutedUntilMs : 0;
  for (const x of s.members ?? []) {
    if (x.mutedUntilMs > 0 && (at === 0 || x.mutedUntilMs < at)) at = x.mutedUntilMs;
  }
  return at;
}

/**
 * A MemberRemoved. null when it is `me`: the room is gone for this user (the server has taken
 * the connection out of it). Anyone else leaves the presence and the staff's member list.
 */
export function applyMemberRemoved(s: RoomState, member: Member, me: Member | null): RoomState | null {
  if (sameUser(member, me)) return null;
  const next = s.present.some((m) => m.userId === member.userId) ? applyPresence(s, member, false) : s;
  if (!next.members?.some((x) => x.member.userId === member.userId)) return next;
  return { ...next, members: next.members.filter((x) => x.member.userId !== member.userId) };
}

// ---- facilitator actions: the staff's held queue and member list ---------------------------

/** The message `seq` is no longer waiting (decided, or gone). */
export function dropHeld(s: RoomState, seq: number): RoomState {
  if (!s.held || !hasSeq(s.held, seq)) return s;
  return { ...s, held: s.held.filter((m) => m.seq !== seq) };
}

/** HeldMessages, the answer to ListHeld: the queue as the server has it now. */
export function applyHeldList(s: RoomState, msgs: ChatMessage[]): RoomState {
  const held = mergeMessages(
    [],
    msgs.filter((m) => m.status === MessageStatus.HELD),
  );
  return { ...s, held, heldError: '' };
}

export interface HeldResult {
  state: RoomState;
  /** A message joined the queue (read it out). */
  added: boolean;
}

/**
 * A live MessageEvent, as it changes the staff's held queue: HELD joins it; VISIBLE (approved)
 * or REMOVED leaves it.
 */
export function trackHeld(s: RoomState, m: ChatMessage): HeldResult {
  if (m.status !== MessageStatus.HELD) return { state: dropHeld(s, m.seq), added: false };
  const list = s.held ?? [];
  if (hasSeq(list, m.seq)) return { state: s, added: false };
  return { state: { ...s, held: mergeMessages(list, [m]) }, added: true };
}

/**
 * MessageModerated, the answer to ModerateMessage: the message's status now. Approved, a held
 * copy becomes visible (the room's MessageEvent may come before or after this); removed, as
 * applyRemoved.
 */
export function applyModerated(s: RoomState, seq: number, status: MessageStatus, groundRule: number): RoomState {
  if (status === MessageStatus.REMOVED) return applyRemoved(s, seq, groundRule);
  const next = dropHeld(s, seq);
  if (status !== MessageStatus.VISIBLE) return next;
  const { found, index } = indexOfSeq(next.messages, seq);
  if (!found || next.messages[index].status !== MessageStatus.HELD) return next;
  const messages = next.messages.slice();
  messages[index] = { ...messages[index], status: MessageStatus.VISIBLE };
  return { ...next, messages };
}

/** MemberList, the answer to ListMembers (mutes already in this browser's clock). */
export function applyMemberList(s: RoomState, list: MemberInfo[]): RoomState {
  const seen = new Set<string>();
  const members: MemberInfo[] = [];
  for (const x of list) {
    if (seen.has(x.member.userId)) continue;
    seen.add(x.member.userId);
    members.push(x);
  }
  return { ...s, members, membersError: '' };
}

function memberPresence(members: MemberInfo[] | null, member: Member, present: boolean): MemberInfo[] | null {
  if (!members) return members;
  const i = members.findIndex((x) => x.member.userId === member.userId);
  if (i < 0) return present ? [...members, { member, present, mutedUntilMs: 0 }] : members;
  if (members[i].present === present) return members;
  const out = members.slice();
  out[i] = { ...out[i], present };
  return out;
}

// ---- pending sends ---------------------------------------------------------------------

export function addPending(s: RoomState, p: PendingSend): RoomState {
  return { ...s, pending: [...s.pending, p] };
}

export function updatePending(
  s: RoomState,
  clientMsgId: string,
  patch: Partial<PendingSend>,
): RoomState {
  let hit = false;
  const pending = s.pending.map((p) => {
    if (p.clientMsgId !== clientMsgId) return p;
    hit = true;
    return { ...p, ...patch };
  });
  return hit ? { ...s, pending } : s;
}

export function removePending(s: RoomState, clientMsgId: string): RoomState {
  const pending = s.pending.filter((p) => p.clientMsgId !== clientMsgId);
  return pending.length === s.pending.length ? s : { ...s, pending };
}

/** Sends still waiting to go out on connection `gen` (resent with the same client_msg_id). */
export function unsentPending(s: RoomState, gen: number): PendingSend[] {
  return s.pending.filter((p) => p.state === 'sending' && p.sentOnConn !== gen);
}

/** The connection dropped: nothing is joined any more and every pending send must go again. */
export function markDisconnected(s: RoomState): RoomState {
  return {
    ...s,
    joined: false,
    joining: false,
    loadingOlder: false,
    present: [],
    accepting: false,
    sessionBusy: false,
    pending: s.pending.map((p) => (p.sentOnConn === -1 ? p : { ...p, sentOnConn: -1 })),
    talk: s.talk && s.talk.state === 'sending' && s.talk.sentOnConn !== -1 ? { ...s.talk, sentOnConn: -1 } : s.talk,
    reports: reportsDisconnected(s.reports),
    checkIn: checkInsDisconnected(s.checkIn),
  };
}

// ---- "I need to talk" (a student) --------------------------------------------------------
//
// null → sending (one press, a fresh client_msg_id) → done (the ack: support + confirmation)
//                                                   → failed (an error or no answer) → sending
//                                                     again with the same id (Try again)
// A send lost with its connection goes out again, with the same id, on the next one; the
// server tells nobody twice. Closing the panel (done or failed) returns to null, and the next
// press is a new request.

export type TalkRequest =
  | {
      state: 'sending';
      clientMsgId: string;
      /** Connection generation it went out on; -1 = waiting to go out on the next one. */
      sentOnConn: number;
      /** Counts transmissions, so a timeout only fails the one it was set for. */
      attempt: number;
    }
  | { state: 'failed'; clientMsgId: string; error: string }
  | {
      state: 'done';
      clientMsgId: string;
      escalationId: string;
      support: string;
      confirmation: string;
      duplicate: boolean;
    };

/** A press of "I need to talk" (after the confirmation). Ignored while one is under way or shown. */
export function startTalk(s: RoomState, clientMsgId: string): RoomState {
  if (s.talk) return s;
  return { ...s, talk: { state: 'sending', clientMsgId, sentOnConn: -1, attempt: 0 } };
}

/** Try again after a failure: the same client_msg_id, so a request that did arrive counts once. */
export function retryTalk(s: RoomState): RoomState {
  const t = s.talk;
  if (!t || t.state !== 'failed') return s;
  return { ...s, talk: { state: 'sending', clientMsgId: t.clientMsgId, sentOnConn: -1, attempt: 0 } };
}

/** The request went out on connection `gen`. */
export function talkSent(s: RoomState, clientMsgId: string, gen: number): RoomState {
  const t = s.talk;
  if (!t || t.state !== 'sending' || t.clientMsgId !== clientMsgId) return s;
  return { ...s, talk: { ...t, sentOnConn: gen, attempt: t.attempt + 1 } };
}

/** The request to (re)send on connection `gen`, if any. */
export function unsentTalk(s: RoomState, gen: number): string | null {
  const t = s.talk;
  return t && t.state === 'sending' && t.sentOnConn !== gen ? t.clientMsgId : null;
}

/**
 * A NeedToTalkAck. It completes the request it answers (`clientMsgId`, from the request id), or
 * without one whatever is under way. A late ack after a timeout still counts: it did arrive.
 */
export function applyTalkAck(s: RoomState, ack: TalkAck, clientMsgId?: string): RoomState {
  const t = s.talk;
  if (!t || t.state === 'done') return s;
  if (clientMsgId !== undefined && t.clientMsgId !== clientMsgId) return s;
  return {
    ...s,
    talk: {
      state: 'done',
      clientMsgId: t.clientMsgId,
      escalationId: ack.escalationId,
      support: ack.support,
      confirmation: ack.confirmation,
      duplicate: ack.duplicate,
    },
  };
}

/** An Error answered the request: it did not go through. */
export function applyTalkError(s: RoomState, clientMsgId: string, error: string): RoomState {
  const t = s.talk;
  if (!t || t.state !== 'sending' || t.clientMsgId !== clientMsgId) return s;
  return { ...s, talk: { state: 'failed', clientMsgId, error } };
}

/** No answer to transmission `attempt` in time (a later one, or an answer, cancels this). */
export function talkTimedOut(s: RoomState, clientMsgId: string, attempt: number, error: string): RoomState {
  const t = s.talk;
  if (!t || t.state !== 'sending' || t.clientMsgId !== clientMsgId || t.attempt !== attempt) return s;
  if (t.sentOnConn === -1) return s; // waiting for a connection: it goes out when one is back
  return { ...s, talk: { state: 'failed', clientMsgId, error } };
}

/** The student closes the panel (after the answer, or a failure). Not while sending. */
export function closeTalk(s: RoomState): RoomState {
  if (!s.talk || s.talk.state === 'sending') return s;
  return { ...s, talk: null };
}

// ---- students who asked to talk (facilitators and counselors) -----------------------------

export interface TalkNotices {
  /** Newest first. */
  items: TalkNotice[];
  /** Escalation ids dismissed on this page: the same one arriving again stays dismissed. */
  dismissed: Record<string, true>;
}

export const noTalkNotices: TalkNotices = { items: [], dismissed: {} };

function newerFirst(a: TalkNotice, b: TalkNotice): number {
  if (a.atMs !== b.atMs) return b.atMs - a.atMs;
  // Decimal ids: the longer is the larger; equal lengths compare as text.
  const x = a.escalationId;
  const y = b.escalationId;
  if (x.length !== y.length) return y.length - x.length;
  return x === y ? 0 : x > y ? -1 : 1;
}

/**
 * A NeedToTalkEvent. One notice per escalation: a repeat (another node, a retry) or one the
 * person dismissed already leaves the list as it is (the same object).
 */
export function addTalkNotice(n: TalkNotices, notice: TalkNotice): TalkNotices {
  const id = notice.escalationId;
  if (!id || id === '0' || n.dismissed[id] || n.items.some((x) => x.escalationId === id)) return n;
  const items = [...n.items, notice].sort(newerFirst);
  return { ...n, items };
}

export function dismissTalkNotice(n: TalkNotices, escalationId: string): TalkNotices {
  const items = n.items.filter((x) => x.escalationId !== escalationId);
  if (items.length === n.items.length && n.dismissed[escalationId]) return n;
  return { items, dismissed: { ...n.dismissed, [escalationId]: true } };
}

/** "Blue Heron in Lunch Bunch asked to talk — 12:34" (`time` already formatted). */
export function talkNoticeText(notice: TalkNotice, time: string): string {
  const where = notice.roomName ? ` in ${notice.roomName}` : '';
  return `${notice.student.displayName}${where} asked to talk${time ? ` — ${time}` : ''}`;
}
