// The chat controller: ties the Connection to the per-room store, tracks what each request
// id was for, and exposes one immutable state snapshot to the UI. It also carries a student's
// "I need to talk" (per room) and, for staff, the notices of students who asked to talk. A
// facilitator's actions (moderate, mute, remove, room controls) go out from here with their
// citation, and their answers and events, for everyone in the room, come back through here.
// A counselor's escalations (the dashboard) are listed on every connect, kept current from
// events, and acknowledged from here; their state lives in escalations.ts. Peer reports (a
// student's, and the facilitators' queue) are routed to chatReports.ts, a counselor's open case
// to chatCases.ts, check-in rounds and the participation view to chatCheckins.ts, a
// facilitator's "Tell a counselor" to chatEscalate.ts. A counselor may observe a case's room
// (`observeRoom`): joined read-only.
import type { OpenCase } from './cases';
import { ChatCases, isCaseRequest } from './chatCases';
import type { CasePending } from './chatCases';
import { ChatCheckIns, isCheckInRequest } from './chatCheckins';
import type { CheckInPending } from './chatCheckins';
import { ChatEscalate, isEscalateRequest } from './chatEscalate';
import type { EscalatePending } from './chatEscalate';
import { ChatReports, isReportRequest } from './chatReports';
import type { ReportPending } from './chatReports';
import { Connection } from './connection';
import type { AuthCheck, ConnStatus } from './connection';
import {
  actionPending,
  citationProblem,
  controlsText,
  heldAnnouncement,
  memberRemovedText,
  moderatedText,
  mutedReason,
  mutedText,
  removedFromRoomText,
} from './facilitation';
import type { Citation, FacAction } from './facilitation';
import * as desk from './escalations';
import {
  ErrorCode,
  MessageStatus,
  Role,
  TALK_TIMEOUT_TEXT,
  actionBody,
  describeActionError,
  describeError,
  describeEscalatedError,
  describeEscalationError,
  describeSlowMode,
  describeTalkError,
  toAgreement,
  toControls,
  toEscalation,
  toMember,
  toMemberInfo,
  toMessage,
  toRoom,
  toSession,
  toTalkAck,
  toTalkNotice,
} from './proto';
import type { ChatMessage, EscalationInfo, Member, RoomInfo, ServerFrame, WireError } from './proto';
import { postBlockText } from './sessions';
import * as store from './store';
import type { RoomState } from './store';

export interface Notice {
  id: number;
  text: string;
  /** error: something failed; support: a supportive reply (never styled as an error); info. */
  tone?: 'error' | 'support' | 'info';
}

export interface ChatState {
  status: ConnStatus;
  retryInMs?: number;
  me: Member | null;
  maxMessageBytes: number;
  rooms: RoomInfo[] | null;
  openRoomId: string | null;
  roomStates: Record<string, RoomState>;
  /** An error for the person (role="alert"). */
  alert: Notice | null;
  /** Text for the polite live region (new messages from others). */
  announcement: Notice | null;
  /** Staff: students who asked to talk, newest first, until dismissed. */
  talkNotices: store.TalkNotices;
  /** Facilitators: the console's polite live region (new held messages, what an action did). */
  staffNote: StaffNote | null;
  /** A calm notice over the whole screen, e.g. "You were removed from …" (until dismissed). */
  screenNotice: Notice | null;
  /** Counselors: the school's open and acknowledged escalations. */
  escalations: desk.Escalations;
  /** Counselors: a new (or re-paged) escalation, read out assertively until dismissed. */
  escalationAlert: EscalationAlert | null;
  /** Counselors: the case shown in the case view (chatCases.ts). */
  openCase: OpenCase | null;
  /** Counselors: the room joined to observe it (read-only), while it is the open room. */
  observing: string | null;
  authLost: boolean;
}

export interface EscalationAlert extends Notice {
  escalationId: string;
}

export interface StaffNote {
  id: number;
  roomId: string;
  text: string;
}

type Pending =
  | { kind: 'list' }
  | { kind: 'join'; roomId: string; withResume: boolean }
  | { kind: 'leave'; roomId: string }
  | { kind: 'history'; roomId: string }
  | { kind: 'send'; roomId: string; clientMsgId: string }
  | { kind: 'session'; roomId: string; open: boolean }
  | { kind: 'accept'; roomId: string; version: string }
  | { kind: 'talk'; roomId: string; clientMsgId: string }
  | { kind: 'act'; roomId: string; action: FacAction }
  | { kind: 'held'; roomId: string }
  | { kind: 'members'; roomId: string }
  | { kind: 'escalations'; state: desk.ListedState }
  | { kind: 'ackEscalation'; escalationId: string }
  | ReportPending
  | CasePending
  | CheckInPending
  | EscalatePending
  | { kind: 'ping' };

export function newClientMsgId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const HISTORY_PAGE = 50;
/** No answer to "I need to talk" in this long (while connected): say it did not go through. */
export const TALK_TIMEOUT_MS = 20_000;

export interface ChatClientOptions {
  url?: string;
  checkAuth?: AuthCheck;
  /** Tests: a fake WebSocket. */
  createSocket?: (url: string, protocols: string[]) => WebSocket;
  talkTimeoutMs?: number;
}

export class ChatClient {
  private s: ChatState = {
    status: 'connecting',
    me: null,
    maxMessageBytes: 0,
    rooms: null,
    openRoomId: null,
    roomStates: {},
    alert: null,
    announcement: null,
    talkNotices: store.noTalkNotices,
    staffNote: null,
    screenNotice: null,
    escalations: desk.noEscalations,
    escalationAlert: null,
    openCase: null,
    observing: null,
    authLost: false,
  };
  private listeners = new Set<() => void>();
  private requests = new Map<bigint, Pending>();
  private noticeId = 0;
  private readonly conn: Connection;
  private readonly talkTimeoutMs: number;
  private talkTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per room: when the next mute ends (the server sends nothing then). */
  private muteTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Per room: a ListMembers is in flight; `again`: another was wanted meanwhile. */
  private memberLists = new Map<string, { again: boolean }>();
  /** Server clock minus this browser's, from Hello: mute deadlines are server time. */
  private clockOffsetMs = 0;
  /** Peer reports: a student's reports and the facilitators' queue (`client.reports.report(…)`). */
  readonly reports = new ChatReports({
    me: () => this.s.me,
    room: (roomId) => this.room(roomId),
    setRoom: (rs) => this.setRoom(rs),
    request: (p, body) => this.request(p, body),
    staffSay: (roomId, text) => this.staffSay(roomId, text),
    alert: (text) => this.alert(text),
    toLocal: (ms) => this.toLocal(ms),
  });
  /** Check-in rounds (`client.checkIns.start(roomId)`, `answer(…)`, `pass(…)`) and participation. */
  readonly checkIns = new ChatCheckIns({
    me: () => this.s.me,
    room: (roomId) => this.room(roomId),
    setRoom: (rs) => this.setRoom(rs),
    request: (p, body) => this.request(p, body),
    staffSay: (roomId, text) => this.staffSay(roomId, text),
    say: (roomId, text) => roomId === this.s.openRoomId && this.say(text),
    alert: (text) => this.alert(text),
    toLocal: (ms) => this.toLocal(ms),
  });
  /** Facilitators: tell the school's counselors about a message (`client.escalate.tell(roomId, seq)`). */
  readonly escalate = new ChatEscalate({
    me: () => this.s.me,
    room: (roomId) => this.room(roomId),
    setRoom: (rs) => this.setRoom(rs),
    request: (p, body) => this.request(p, body),
    say: (roomId, text) => (roomId === this.s.openRoomId ? this.staffSay(roomId, text) : this.say(text)),
    alert: (text) => this.alert(text),
  });
  /** Counselors: the open case (`client.cases.open(id)`, `take()`, `addNote(…)`, …). */
  readonly cases = new ChatCases({
    me: () => this.s.me,
    openCase: () => this.s.openCase,
    setOpenCase: (openCase) => this.set({ openCase }),
    request: (p, body) => this.request(p, body),
    upsertEscalation: (e) => this.set({ escalations: desk.upsertEscalation(this.s.escalations, e).state }),
    staffSay: (roomId, text) => this.staffSay(roomId, text),
    alert: (text) => this.alert(text),
    toLocal: (ms) => this.toLocal(ms),
  });

  constructor(opts: ChatClientOptions = {}) {
    this.talkTimeoutMs = opts.talkTimeoutMs ?? TALK_TIMEOUT_MS;
    this.conn = new Connection(
      {
        onReady: (gen, hello) => this.onReady(gen, hello),
        onFrame: (f) => this.onFrame(f),
        onDisconnected: () => this.onDisconnected(),
        onStatus: (status, retryInMs) => this.set({ status, retryInMs }),
        onAuthLost: () => this.set({ authLost: true }),
      },
      { url: opts.url, checkAuth: opts.checkAuth, createSocket: opts.createSocket },
    );
  }

  // ---- state plumbing ---------------------------------------------------------------------

  get state(): ChatState {
    return this.s;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<ChatState>): void {
    this.s = { ...this.s, ...patch };
    for (const fn of this.listeners) fn();
  }

  private room(roomId: string): RoomState | undefined {
    return this.s.roomStates[roomId];
  }

  private setRoom(rs: RoomState): void {
    this.set({ roomStates: { ...this.s.roomStates, [rs.room.roomId]: rs } });
  }

  private alert(text: string, tone: Notice['tone'] = 'error'): void {
    this.set({ alert: { id: ++this.noticeId, text, tone } });
  }

  private say(text: string): void {
    this.set({ announcement: { id: ++this.noticeId, text } });
  }

  dismissAlert(): void {
    this.set({ alert: null });
  }

  private request(p: Pending, body: Parameters<Connection['send']>[0]): bigint | null {
    const id = this.conn.send(body);
    if (id !== null && p.kind !== 'ping') this.requests.set(id, p);
    return id;
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  start(): void {
    this.conn.start();
  }

  stop(): void {
    this.conn.stop();
    for (const t of this.talkTimers.values()) clearTimeout(t);
    this.talkTimers.clear();
    for (const t of this.muteTimers.values()) clearTimeout(t);
    this.muteTimers.clear();
  }

  private onReady(gen: number, hello: ServerFrame): void {
    if (hello.body.case !== 'hello') return;
    const h = hello.body.value;
    const serverNow = Number(h.serverTimeMs);
    this.clockOffsetMs = serverNow > 0 ? serverNow - Date.now() : 0;
    this.set({ me: toMember(h.me), maxMessageBytes: h.maxMessageBytes });
    this.request({ kind: 'list' }, { case: 'listRooms', value: {} });
    this.loadEscalations();
    this.cases.reconnected();
    if (this.s.openRoomId) this.join(this.s.openRoomId);
    // "I need to talk" needs no join: what was lost with the last connection goes out now.
    for (const rs of Object.values(this.s.roomStates)) {
      const clientMsgId = store.unsentTalk(rs, gen);
      if (clientMsgId) this.transmitTalk(rs.room.roomId, clientMsgId);
    }
  }

  private onDisconnected(): void {
    this.requests.clear();
    this.memberLists.clear();
    const roomStates: Record<string, RoomState> = {};
    for (const [id, rs] of Object.entries(this.s.roomStates)) roomStates[id] = store.markDisconnected(rs);
    this.set({ roomStates, escalations: desk.escalationsDisconnected(this.s.escalations) });
    this.cases.disconnected();
    this.escalate.disconnected();
  }

  // ---- actions from the UI -----------------------------------------------------------------

  openRoom(roomId: string | null): void {
    const prev = this.s.openRoomId;
    if (prev === roomId) return;
    if (prev && this.room(prev)?.joined) {
      this.request({ kind: 'leave', roomId: prev }, { case: 'leave', value: { roomId: BigInt(prev) } });
      const rs = this.room(prev);
      if (rs) this.setRoom({ ...rs, joined: false, joining: false, present: [] });
    }
    // Observing lasts while that room is the open one.
    this.set({ openRoomId: roomId, alert: null, observing: roomId && roomId === this.s.observing ? roomId : null });
    if (!roomId) return;
    if (!this.room(roomId)) {
      const info = this.s.rooms?.find((r) => r.roomId === roomId);
      if (!info) return;
      this.setRoom(store.newRoomState(info));
    }
    this.join(roomId);
  }

  private join(roomId: string): void {
    const rs = this.room(roomId);
    if (!rs || !this.conn.isReady) return;
    const resume = store.resumePoint(rs);
    const id = this.request(
      { kind: 'join', roomId, withResume: resume !== null },
      {
        case: 'join',
        value: {
          roomId: BigInt(roomId),
          historyLimit: HISTORY_PAGE,
          resume: resume ? { lastSeq: BigInt(resume.lastSeq), epoch: resume.epoch } : undefined,
        },
      },
    );
    if (id !== null) this.setRoom({ ...rs, joining: true });
  }

  loadOlder(): void {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    if (!roomId || !rs || !rs.joined || rs.loadingOlder) return;
    const oldest = rs.messages.length ? rs.messages[0].seq : 0;
    if (oldest <= 1 && rs.messages.length) return;
    const id = this.request(
      { kind: 'history', roomId },
      { case: 'history', value: { roomId: BigInt(roomId), beforeSeq: BigInt(oldest), limit: HISTORY_PAGE } },
    );
    if (id !== null) this.setRoom({ ...rs, loadingOlder: true });
  }

  /** Queue a message for the open room; returns false (and says why) if it cannot go. */
  send(text: string): boolean {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    if (!roomId || !rs) return false;
    if (!text.trim()) return false;
    const block = store.postingBlock(rs, this.s.me);
    if (block) {
      this.alert(postBlockText(block, rs.session, { mutedUntilMs: rs.mutedUntilMs }), 'info');
      return false;
    }
    const max = this.s.maxMessageBytes;
    if (max > 0 && new TextEncoder().encode(text).length > max) {
      this.alert(describeError(ErrorCode.MESSAGE_TOO_LARGE));
      return false;
    }
    const p: store.PendingSend = {
      clientMsgId: newClientMsgId(),
      text,
      createdAtMs: Date.now(),
      state: 'sending',
      sentOnConn: -1,
    };
    this.setRoom(store.addPending(rs, p));
    if (rs.joined) this.transmit(roomId, p);
    return true;
  }

  retry(clientMsgId: string): void {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    const p = rs?.pending.find((x) => x.clientMsgId === clientMsgId);
    if (!roomId || !rs || !p) return;
    const block = store.postingBlock(rs, this.s.me);
    if (block) {
      this.alert(postBlockText(block, rs.session, { mutedUntilMs: rs.mutedUntilMs }), 'info');
      return;
    }
    const next = store.updatePending(rs, clientMsgId, { state: 'sending', error: undefined, sentOnConn: -1 });
    this.setRoom(next);
    if (next.joined) this.transmit(roomId, { ...p, state: 'sending', sentOnConn: -1 });
  }

  discard(clientMsgId: string): void {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    if (rs) this.setRoom(store.removePending(rs, clientMsgId));
  }

  /** Facilitators: open or close the open room's session. */
  setSessionOpen(open: boolean): void {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    if (!roomId || !rs || rs.sessionBusy) return;
    const value = { roomId: BigInt(roomId) };
    const id = this.request(
      { kind: 'session', roomId, open },
      open ? { case: 'openSession', value } : { case: 'closeSession', value },
    );
    if (id !== null) this.setRoom({ ...rs, sessionBusy: true });
  }

  /** Accept the group agreement of the open room, in the version shown. */
  acceptAgreement(): void {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    if (!roomId || !rs || !rs.agreement || rs.accepting) return;
    const version = rs.agreement.version;
    const id = this.request(
      { kind: 'accept', roomId, version },
      { case: 'acceptAgreement', value: { roomId: BigInt(roomId), version } },
    );
    if (id !== null) this.setRoom(store.startAccepting(rs));
  }

  // ---- "I need to talk" ------------------------------------------------------------------

  /** A student asks, privately, for someone to follow up (after confirming). */
  askToTalk(roomId: string): void {
    const rs = this.room(roomId);
    if (!rs || rs.talk || (this.s.me && this.s.me.role !== Role.STUDENT)) return;
    const clientMsgId = newClientMsgId();
    this.setRoom(store.startTalk(rs, clientMsgId));
    this.transmitTalk(roomId, clientMsgId); // not connected: it goes out on the next connection
  }

  /** Try again after a failure, with the same client_msg_id (nobody is told twice). */
  retryTalk(roomId: string): void {
    const rs = this.room(roomId);
    if (!rs || rs.talk?.state !== 'failed') return;
    const next = store.retryTalk(rs);
    this.setRoom(next);
    if (next.talk) this.transmitTalk(roomId, next.talk.clientMsgId);
  }

  /** Close the answer (or the failure) panel; the next press is a new request. */
  closeTalk(roomId: string): void {
    const rs = this.room(roomId);
    if (rs) this.setRoom(store.closeTalk(rs));
  }

  /** Staff: the notice has been seen. */
  dismissTalkNotice(escalationId: string): void {
    this.set({ talkNotices: store.dismissTalkNotice(this.s.talkNotices, escalationId) });
  }

  private transmitTalk(roomId: string, clientMsgId: string): void {
    const id = this.request(
      { kind: 'talk', roomId, clientMsgId },
      { case: 'needToTalk', value: { roomId: BigInt(roomId), clientMsgId } },
    );
    const rs = this.room(roomId);
    if (id === null || !rs) return;
    const next = store.talkSent(rs, clientMsgId, this.conn.generation);
    this.setRoom(next);
    if (next.talk?.state !== 'sending') return;
    const attempt = next.talk.attempt;
    this.clearTalkTimer(roomId);
    this.talkTimers.set(
      roomId,
      setTimeout(() => {
        this.talkTimers.delete(roomId);
        const cur = this.room(roomId);
        if (cur) this.setRoom(store.talkTimedOut(cur, clientMsgId, attempt, TALK_TIMEOUT_TEXT));
      }, this.talkTimeoutMs),
    );
  }

  private clearTalkTimer(roomId: string): void {
    const t = this.talkTimers.get(roomId);
    if (t !== undefined) clearTimeout(t);
    this.talkTimers.delete(roomId);
  }

  // ---- counselors: escalations --------------------------------------------------------------

  private isCounselor(): boolean {
    return this.s.me?.role === Role.COUNSELOR;
  }

  /** Counselors, on every connect (and "Try again"): the open and the acknowledged escalations. */
  loadEscalations(): void {
    if (!this.isCounselor()) return;
    this.set({ escalations: desk.requestLists(this.s.escalations) });
    for (const state of desk.LISTED_STATES) {
      this.request({ kind: 'escalations', state }, { case: 'listEscalations', value: { state, limit: desk.ESCALATION_PAGE } });
    }
  }

  /** A counselor acknowledges an open escalation (stops its re-paging). */
  acknowledgeEscalation(escalationId: string): void {
    if (!this.isCounselor()) return;
    const next = desk.startAck(this.s.escalations, escalationId);
    if (next === this.s.escalations) return;
    const id = this.request(
      { kind: 'ackEscalation', escalationId },
      { case: 'ackEscalation', value: { escalationId: BigInt(escalationId) } },
    );
    if (id === null) return this.alert("You're offline, so it wasn't acknowledged. Please try again once Circles is back.");
    this.set({ escalations: next });
  }

  /**
   * A counselor observes the room of a case: the server lets a school's counselor join any of its
   * rooms without being a member. The room view is read-only for them; leaving it (Stop observing)
   * goes back to the case. The case view is out of sight meanwhile, so a shown name is forgotten.
   */
  observeRoom(roomId: string, roomName: string): void {
    if (!this.isCounselor() || !roomId || roomId === '0') return;
    if (!this.room(roomId)) this.setRoom(store.newRoomState({ roomId, name: roomName, kind: '', epoch: 0n, lastSeq: 0 }));
    this.cases.forgetName();
    this.set({ observing: roomId });
    this.openRoom(roomId);
  }

  dismissEscalationAlert(): void {
    this.set({ escalationAlert: null });
  }

  private onEscalationList(state: desk.ListedState, list: EscalationInfo[]): void {
    const complete = list.length < desk.ESCALATION_PAGE;
    this.set({ escalations: desk.applyList(this.s.escalations, state, list, complete) });
  }

  // ---- facilitator actions ---------------------------------------------------------------

  private isFacilitator(): boolean {
    return this.s.me?.role === Role.FACILITATOR;
  }

  /**
   * A facilitator acts in the open room, citing one of its ground rules and a reason. Returns
   * why nothing was sent (a citation the server would refuse, offline), or null once it is on
   * its way: the answer is read out in the console, a refusal shown as an alert.
   */
  act(action: FacAction, citation: Citation): string | null {
    const roomId = this.s.openRoomId;
    const rs = roomId ? this.room(roomId) : undefined;
    if (!roomId || !rs) return 'Open the room first.';
    if (!this.isFacilitator()) return "Only this room's facilitators can do that.";
    const problem = citationProblem(rs.agreement?.rules ?? [], citation);
    if (problem) return problem.text;
    const id = this.request({ kind: 'act', roomId, action }, actionBody(roomId, action, citation, rs.controls));
    if (id === null) return "You're offline, so it wasn't sent. Please try again once Circles is back.";
    this.staffSay(roomId, actionPending(action));
    return null;
  }

  dismissScreenNotice(): void {
    this.set({ screenNotice: null });
  }

  /** The console's live region (facilitators). */
  private staffSay(roomId: string, text: string): void {
    this.set({ staffNote: { id: ++this.noticeId, roomId, text } });
  }

  /** A facilitator joined: fetch the held queue and the member list. */
  private loadStaffLists(roomId: string): void {
    if (!this.isFacilitator()) return;
    this.request({ kind: 'held', roomId }, { case: 'listHeld', value: { roomId: BigInt(roomId) } });
    this.memberLists.delete(roomId); // a join starts afresh
    this.refreshMembers(roomId);
  }

  /** Ask for the member list again: one request in flight per room, one more queued behind it. */
  private refreshMembers(roomId: string): void {
    if (!this.isFacilitator()) return;
    const inFlight = this.memberLists.get(roomId);
    if (inFlight) {
      inFlight.again = true;
      return;
    }
    const id = this.request({ kind: 'members', roomId }, { case: 'listMembers', value: { roomId: BigInt(roomId) } });
    if (id !== null) this.memberLists.set(roomId, { again: false });
  }

  private membersAnswered(roomId: string): void {
    const inFlight = this.memberLists.get(roomId);
    this.memberLists.delete(roomId);
    if (inFlight?.again) this.refreshMembers(roomId);
  }

  /** A server deadline (Unix ms, server clock) in this browser's clock; 0 stays 0. */
  private toLocal(serverMs: number): number {
    return serverMs > 0 ? serverMs - this.clockOffsetMs : 0;
  }

  /** Wake up when the room's next mute ends (mine, or one in the member list) and lift it. */
  private scheduleMuteExpiry(roomId: string): void {
    const old = this.muteTimers.get(roomId);
    if (old !== undefined) clearTimeout(old);
    this.muteTimers.delete(roomId);
    const rs = this.room(roomId);
    const at = rs ? store.nextMuteExpiry(rs) : 0;
    if (!at) return;
    // Capped, so a far deadline never overflows setTimeout; it just checks again.
    const delay = Math.min(Math.max(0, at - Date.now()), 3_600_000);
    this.muteTimers.set(
      roomId,
      setTimeout(() => {
        this.muteTimers.delete(roomId);
        const cur = this.room(roomId);
        if (!cur) return;
        const next = store.expireMutes(cur, Date.now());
        if (next !== cur) {
          this.setRoom(next);
          if (cur.mutedUntilMs > 0 && next.mutedUntilMs === 0 && roomId === this.s.openRoomId) {
            this.say('Your pause is over. You can post again.');
          }
        }
        this.scheduleMuteExpiry(roomId);
      }, delay),
    );
  }

  /**
   * This user is no longer in the room (a facilitator removed them, or the server says they are
   * not a member): close it, drop it from the list, and say so calmly.
   */
  private leaveLostRoom(roomId: string, text: string): void {
    this.clearTalkTimer(roomId);
    const t = this.muteTimers.get(roomId);
    if (t !== undefined) clearTimeout(t);
    this.muteTimers.delete(roomId);
    this.memberLists.delete(roomId);
    const roomStates = { ...this.s.roomStates };
    delete roomStates[roomId];
    const wasOpen = this.s.openRoomId === roomId;
    this.set({
      roomStates,
      rooms: this.s.rooms ? this.s.rooms.filter((r) => r.roomId !== roomId) : this.s.rooms,
      openRoomId: wasOpen ? null : this.s.openRoomId,
      observing: this.s.observing === roomId ? null : this.s.observing,
      alert: wasOpen ? null : this.s.alert,
      staffNote: this.s.staffNote?.roomId === roomId ? null : this.s.staffNote,
      screenNotice: { id: ++this.noticeId, text, tone: 'support' },
    });
  }

  private roomName(roomId: string): string {
    return this.room(roomId)?.room.name ?? this.s.rooms?.find((r) => r.roomId === roomId)?.name ?? '';
  }

  private transmit(roomId: string, p: store.PendingSend): void {
    const id = this.request(
      { kind: 'send', roomId, clientMsgId: p.clientMsgId },
      { case: 'send', value: { roomId: BigInt(roomId), clientMsgId: p.clientMsgId, text: p.text } },
    );
    const rs = this.room(roomId);
    if (id !== null && rs) this.setRoom(store.updatePending(rs, p.clientMsgId, { sentOnConn: this.conn.generation }));
  }

  private flushPending(roomId: string): void {
    const rs = this.room(roomId);
    if (!rs) return;
    for (const p of store.unsentPending(rs, this.conn.generation)) this.transmit(roomId, p);
  }

  // ---- frames from the server --------------------------------------------------------------

  private onFrame(f: ServerFrame): void {
    const req = f.requestId ? this.requests.get(f.requestId) : undefined;
    if (f.requestId) this.requests.delete(f.requestId);
    const b = f.body;
    if (req?.kind === 'list' && b.case === undefined) {
      // The server leaves the body unset when the list is empty (e.g. a counselor in no room).
      this.set({ rooms: [] });
      return;
    }
    if (req?.kind === 'escalations' && b.case === undefined) return this.onEscalationList(req.state, []);
    if (isReportRequest(req) && b.case === undefined) return this.reports.onEmptyAnswer(req);
    switch (b.case) {
      case 'rooms': {
        const rooms = b.value.rooms.map(toRoom);
        const roomStates = { ...this.s.roomStates };
        for (const r of rooms) {
          const rs = roomStates[r.roomId];
          if (!rs) roomStates[r.roomId] = store.newRoomState(r);
          else if (!rs.seen) roomStates[r.roomId] = { ...rs, room: r };
        }
        this.set({ rooms, roomStates });
        return;
      }
      case 'joined': {
        const j = b.value;
        const room = toRoom(j.room);
        const roomId = req?.kind === 'join' ? req.roomId : room.roomId;
        const rs = this.room(roomId) ?? store.newRoomState(room);
        if (this.s.openRoomId !== roomId) {
          // We switched away before the answer came: leave again quietly.
          this.setRoom({ ...rs, joining: false });
          this.request({ kind: 'leave', roomId }, { case: 'leave', value: { roomId: BigInt(roomId) } });
          return;
        }
        const withResume = req?.kind === 'join' ? req.withResume : rs.seen;
        const next = store.applyJoin(
          rs,
          {
            room: { ...room, roomId },
            recovered: j.recovered,
            messages: j.messages.map(toMessage),
            hasMore: j.hasMore,
            present: j.present.map(toMember),
            session: toSession(j.session),
            agreement: toAgreement(j.agreement),
            controls: toControls(j.controls),
            mutedUntilMs: this.toLocal(Number(j.mutedUntilMs)),
          },
          withResume,
        );
        this.setRoom(next);
        this.scheduleMuteExpiry(roomId);
        this.flushPending(roomId);
        this.loadStaffLists(roomId);
        this.reports.load(roomId);
        this.checkIns.joined(roomId, j.checkIn);
        return;
      }
      case 'history': {
        const rs = this.room(b.value.roomId.toString());
        if (rs) this.setRoom(store.applyHistory(rs, b.value.messages.map(toMessage), b.value.hasMore));
        return;
      }
      case 'message': {
        const m = toMessage(b.value);
        const rs = this.room(m.roomId);
        if (!rs || !rs.joined) return;
        const r = store.applyLiveMessage(rs, m);
        // Facilitators: a HELD message joins the queue; approved or removed, it leaves it.
        const h = this.isFacilitator() ? store.trackHeld(r.state, m) : { state: r.state, added: false };
        this.setRoom(h.state);
        if (h.added) this.staffSay(m.roomId, heldAnnouncement(m));
        else if (r.added && m.status !== MessageStatus.HELD) this.announce(m);
        if (r.gap) this.join(m.roomId); // re-join with Resume: the server replays the gap
        return;
      }
      case 'ack': {
        const a = b.value;
        const roomId = a.roomId.toString();
        const rs = this.room(roomId);
        if (rs && this.s.me) {
          this.setRoom(
            store.applyAck(
              rs,
              {
                seq: Number(a.seq),
                epoch: a.epoch,
                clientMsgId: a.clientMsgId,
                sentAtMs: Number(a.sentAtMs),
                status: a.status,
              },
              this.s.me,
            ),
          );
        }
        // What moderation wants the sender to know: "held for review", or a supportive
        // reply with the school's crisis contacts.
        if (a.notice) this.alert(a.notice, a.escalated ? 'support' : 'info');
        return;
      }
      case 'session': {
        const session = toSession(b.value);
        const roomId = b.value.roomId ? b.value.roomId.toString() : req && 'roomId' in req ? req.roomId : '';
        const rs = this.room(roomId);
        if (rs && session) this.setRoom(store.applySession(rs, session));
        return;
      }
      case 'agreementAccepted': {
        const roomId = b.value.roomId.toString();
        const rs = this.room(roomId);
        if (!rs) return;
        const next = store.applyAgreementAccepted(rs, b.value.version);
        this.setRoom(next);
        if (store.needsAgreement(next)) {
          this.join(roomId); // accepted an older version: fetch the current one
        } else if (roomId === this.s.openRoomId) {
          const live = store.postingBlock(next, this.s.me) === null;
          this.say(
            live
              ? "Thanks for agreeing to the group agreement. You can post now."
              : "Thanks for agreeing to the group agreement. You can post once the session is live.",
          );
        }
        return;
      }
      case 'needToTalkAck': {
        const ack = toTalkAck(b.value);
        const roomId = req?.kind === 'talk' ? req.roomId : ack.roomId;
        const rs = this.room(roomId);
        if (!rs) return;
        const clientMsgId = req?.kind === 'talk' ? req.clientMsgId : b.value.clientMsgId || undefined;
        const next = store.applyTalkAck(rs, ack, clientMsgId);
        if (next === rs) return;
        this.clearTalkTimer(roomId);
        this.setRoom(next);
        // The room's own view shows the answer; from anywhere else, the alert slot does.
        if (roomId !== this.s.openRoomId) {
          this.alert([ack.support, ack.confirmation].filter(Boolean).join('\n\n'), 'support');
        }
        return;
      }
      case 'needToTalk': {
        // Only staff are sent these; a student's client never shows one. A counselor's
        // dashboard lists the same escalation (and reads it out), so no second notice.
        if (!this.s.me || this.s.me.role === Role.STUDENT || this.isCounselor()) return;
        const notice = toTalkNotice(b.value);
        if (!notice.atMs) notice.atMs = Date.now();
        const talkNotices = store.addTalkNotice(this.s.talkNotices, notice);
        if (talkNotices !== this.s.talkNotices) this.set({ talkNotices });
        return;
      }
      case 'removed': {
        const rs = this.room(b.value.roomId.toString());
        if (rs) this.setRoom(store.applyRemoved(rs, Number(b.value.seq), b.value.groundRule));
        return;
      }
      case 'presence': {
        const roomId = b.value.roomId.toString();
        const rs = this.room(roomId);
        if (!rs || !rs.joined) return;
        this.setRoom(store.applyPresence(rs, toMember(b.value.member), b.value.present));
        this.refreshMembers(roomId);
        return;
      }
      case 'moderated': {
        const v = b.value;
        const roomId = roomOf(v.roomId, req);
        const rs = this.room(roomId);
        if (rs) this.setRoom(store.applyModerated(rs, Number(v.seq), v.status, v.groundRule));
        if (req?.kind === 'act') this.staffSay(roomId, moderatedText(v.status === MessageStatus.REMOVED, v.groundRule));
        return;
      }
      case 'controls': {
        const roomId = roomOf(b.value.roomId, req);
        const rs = this.room(roomId);
        const controls = toControls(b.value);
        if (!rs || !controls) return;
        const next = store.applyControls(rs, controls);
        this.setRoom(next);
        // The banner (a live region) tells everyone; the console says what it is now.
        if (this.isFacilitator() && (req?.kind === 'act' || next !== rs)) this.staffSay(roomId, controlsText(controls));
        return;
      }
      case 'muted': {
        const v = b.value;
        const roomId = roomOf(v.roomId, req);
        const rs = this.room(roomId);
        if (!rs) return;
        const member = toMember(v.member);
        const until = this.toLocal(Number(v.untilMs));
        const next = store.applyMemberMuted(rs, member, until, this.s.me);
        this.setRoom(next);
        this.scheduleMuteExpiry(roomId);
        const mine = !!this.s.me && member.userId === this.s.me.userId;
        if (mine && next.mutedUntilMs !== rs.mutedUntilMs && roomId === this.s.openRoomId) {
          // Private: only this student (and staff) hear of it. The composer says it too.
          this.say(until > 0 ? mutedReason(until, Date.now()) : 'The facilitator has un-paused your messages. You can post again.');
        }
        if (this.isFacilitator() && (req?.kind === 'act' || next !== rs)) {
          this.staffSay(roomId, mutedText(member, until, Date.now()));
        }
        if (req?.kind === 'act') this.refreshMembers(roomId);
        return;
      }
      case 'memberRemoved': {
        const v = b.value;
        const roomId = roomOf(v.roomId, req);
        const rs = this.room(roomId);
        const member = toMember(v.member);
        if (this.s.me && member.userId === this.s.me.userId) {
          if (rs || this.s.rooms?.some((r) => r.roomId === roomId)) {
            this.leaveLostRoom(roomId, removedFromRoomText(this.roomName(roomId)));
          }
          return;
        }
        if (!rs) return;
        const next = store.applyMemberRemoved(rs, member, this.s.me);
        if (next) this.setRoom(next);
        if (this.isFacilitator() && (req?.kind === 'act' || next !== rs)) {
          this.staffSay(roomId, memberRemovedText(member, v.groundRule));
        }
        if (req?.kind === 'act') this.refreshMembers(roomId);
        return;
      }
      case 'held': {
        const rs = this.room(roomOf(b.value.roomId, req));
        if (rs) this.setRoom(store.applyHeldList(rs, b.value.messages.map(toMessage)));
        return;
      }
      case 'members': {
        const roomId = roomOf(b.value.roomId, req);
        if (req?.kind === 'members') this.membersAnswered(roomId);
        const rs = this.room(roomId);
        if (!rs) return;
        this.setRoom(store.applyMemberList(rs, b.value.members.map((x) => toMemberInfo(x, (ms) => this.toLocal(ms)))));
        this.scheduleMuteExpiry(roomId);
        return;
      }
      case 'escalations': {
        const list = b.value.escalations.map((e) => toEscalation(e, (ms) => this.toLocal(ms)));
        if (req?.kind === 'escalations') return this.onEscalationList(req.state, list);
        // Not ours to judge what is missing from it: just take what it says.
        let escalations = this.s.escalations;
        for (const e of list) escalations = desk.upsertEscalation(escalations, e).state;
        this.set({ escalations });
        return;
      }
      case 'escalation': {
        // Admins may be paged too; their screen keeps what it has (the dashboard is counselors').
        if (!this.isCounselor() || !b.value.escalation) return;
        const e = toEscalation(b.value.escalation, (ms) => this.toLocal(ms));
        const r = desk.upsertEscalation(this.s.escalations, e);
        const text = desk.alertText(e, r.change);
        this.set({
          escalations: r.state,
          escalationAlert: text ? { id: ++this.noticeId, text, escalationId: e.escalationId } : this.s.escalationAlert,
        });
        return;
      }
      case 'escalationAcked': {
        if (!b.value.escalation) return;
        const e = toEscalation(b.value.escalation, (ms) => this.toLocal(ms));
        this.set({ escalations: desk.applyAcked(this.s.escalations, e) });
        return;
      }
      case 'reportAck':
      case 'reportFiled':
      case 'reports':
      case 'reportHandled':
        this.reports.onFrame(b, isReportRequest(req) ? req : undefined);
        return;
      case 'caseFile':
      case 'caseResolved':
      case 'identityRevealed':
        this.cases.onFrame(b, isCaseRequest(req) ? req : undefined);
        return;
      case 'checkIn':
      case 'checkInCount':
      case 'checkInAnswer':
      case 'participation':
        this.checkIns.onFrame(b, isCheckInRequest(req) ? req : undefined);
        return;
      case 'escalationRaised':
        this.escalate.onFrame(b, isEscalateRequest(req) ? req : undefined);
        return;
      case 'left':
      case 'pong':
        return;
      case 'error':
        this.onError(b.value, req);
        return;
      default:
        return;
    }
  }

  private onError(e: WireError, req: Pending | undefined): void {
    if (req?.kind === 'talk') return this.onTalkError(e, req);
    if (isReportRequest(req)) return this.reports.onError(e, req);
    if (isCaseRequest(req)) return this.cases.onError(e, req);
    if (isCheckInRequest(req)) return this.checkIns.onError(e, req);
    if (isEscalateRequest(req)) return this.escalate.onError(e, req);
    if (req?.kind === 'escalations' || req?.kind === 'ackEscalation') return this.onEscalationError(e, req);
    if (req?.kind === 'act' || req?.kind === 'held' || req?.kind === 'members') return this.onStaffError(e, req);
    const clientMsgId = e.clientMsgId || (req?.kind === 'send' ? req.clientMsgId : '');
    const roomId = e.roomId ? e.roomId.toString() : req && 'roomId' in req ? req.roomId : '';
    // A send kept out of the room that still reached a counselor: the server's text is the
    // supportive reply for the student, shown as support, never as an error.
    const support = e.escalated && e.message ? e.message : '';
    const slowMode = e.code === ErrorCode.RATE_LIMITED && (this.room(roomId)?.controls?.slowModeSeconds ?? 0) > 0;
    const text = support
      ? describeEscalatedError(e.code)
      : slowMode
        ? describeSlowMode(Number(e.retryAfterMs))
        : describeError(e.code, Number(e.retryAfterMs), e.message);
    if (clientMsgId && roomId) {
      let rs = this.room(roomId);
      if (rs) {
        rs = store.updatePending(rs, clientMsgId, { state: 'failed', error: text, support: support || undefined });
        if (e.code === ErrorCode.AGREEMENT_REQUIRED) rs = store.agreementOutdated(rs);
        if (e.code === ErrorCode.ROOM_LOCKED) rs = store.lockedByServer(rs);
        if (e.code === ErrorCode.MUTED) rs = store.mutedByServer(rs, Number(e.retryAfterMs), Date.now());
        this.setRoom(rs);
        if (e.code === ErrorCode.MUTED) this.scheduleMuteExpiry(roomId);
      }
      // Re-join to learn the current agreement version, or the session, controls or mute as
      // they are now (once, however many queued sends fail the same way).
      const refresh =
        e.code === ErrorCode.NOT_JOINED ||
        e.code === ErrorCode.AGREEMENT_REQUIRED ||
        e.code === ErrorCode.ROOM_NOT_LIVE ||
        e.code === ErrorCode.ROOM_LOCKED ||
        e.code === ErrorCode.MUTED;
      if (refresh && !this.room(roomId)?.joining) this.join(roomId);
      if (support) return this.alert(support, 'support');
    } else if (req?.kind === 'accept') {
      const rs = this.room(req.roomId);
      if (e.code === ErrorCode.AGREEMENT_REQUIRED) {
        // The agreement changed since it was shown: show the new version and ask again.
        if (rs) this.setRoom(store.agreementOutdated(rs));
        this.join(req.roomId);
        return this.alert('The group agreement has just changed. Please read the new version.', 'info');
      }
      if (rs) this.setRoom({ ...rs, accepting: false });
    } else if (req?.kind === 'session') {
      const rs = this.room(req.roomId);
      if (rs) this.setRoom({ ...rs, sessionBusy: false });
      if (e.code === ErrorCode.FORBIDDEN) {
        return this.alert("Only this room's facilitators can open or close its session.");
      }
    } else if (req?.kind === 'join' || req?.kind === 'history') {
      const rs = this.room(req.roomId);
      if (req.kind === 'join' && this.s.observing === req.roomId) {
        // A server that does not let counselors observe: back to the case, saying why.
        const text = describeError(e.code, Number(e.retryAfterMs), e.message);
        return this.leaveLostRoom(req.roomId, `You can't observe ${this.roomName(req.roomId) || 'this room'}. ${text}`);
      }
      if (req.kind === 'join' && e.code === ErrorCode.NOT_A_MEMBER && rs) {
        // Removed while away (no MemberRemoved reached this connection): the room is gone.
        const name = rs.room.name || 'this room';
        return this.leaveLostRoom(
          req.roomId,
          `You're no longer a member of ${name}. If you think this is a mistake, talk to your facilitator or a counselor.`,
        );
      }
      if (rs) this.setRoom({ ...rs, joining: false, loadingOlder: false });
    }
    const gentle =
      e.code === ErrorCode.ROOM_NOT_LIVE ||
      e.code === ErrorCode.AGREEMENT_REQUIRED ||
      e.code === ErrorCode.ROOM_LOCKED ||
      e.code === ErrorCode.MUTED;
    this.alert(text, gentle ? 'info' : 'error');
  }

  /** A facilitator action or a staff list the server refused: a typed error. */
  private onStaffError(
    e: WireError,
    req: { kind: 'act'; roomId: string; action: FacAction } | { kind: 'held' | 'members'; roomId: string },
  ): void {
    const text = describeActionError(e.code, Number(e.retryAfterMs), e.message);
    const rs = this.room(req.roomId);
    if (req.kind !== 'act') {
      if (req.kind === 'members') this.membersAnswered(req.roomId);
      if (rs) this.setRoom(req.kind === 'held' ? { ...rs, heldError: text } : { ...rs, membersError: text });
      return;
    }
    const a = req.action;
    if (rs && e.code === ErrorCode.MESSAGE_NOT_FOUND && 'seq' in a) {
      // Gone already: it has no place in the held queue any more.
      this.setRoom(store.dropHeld(rs, a.seq));
    }
    if (this.s.staffNote?.roomId === req.roomId) this.set({ staffNote: null });
    this.alert(text);
  }

  private onEscalationError(
    e: WireError,
    req: { kind: 'escalations'; state: desk.ListedState } | { kind: 'ackEscalation'; escalationId: string },
  ): void {
    const text = describeEscalationError(e.code, Number(e.retryAfterMs), e.message);
    if (req.kind === 'escalations') {
      this.set({ escalations: desk.listFailed(this.s.escalations, req.state, text) });
      return;
    }
    this.set({ escalations: desk.ackFailed(this.s.escalations, req.escalationId) });
    this.alert(text);
    if (e.code === ErrorCode.ESCALATION_NOT_FOUND) this.loadEscalations();
  }

  private onTalkError(e: WireError, req: { roomId: string; clientMsgId: string }): void {
    const text = describeTalkError(e.code, Number(e.retryAfterMs));
    const rs = this.room(req.roomId);
    if (!rs) return this.alert(text);
    const next = store.applyTalkError(rs, req.clientMsgId, text);
    if (next === rs) return;
    this.clearTalkTimer(req.roomId);
    this.setRoom(next);
    if (req.roomId !== this.s.openRoomId) this.alert(text);
  }

  private announce(m: ChatMessage): void {
    if (m.roomId !== this.s.openRoomId) return;
    if (this.s.me && m.sender.userId === this.s.me.userId) return;
    if (!m.text) return;
    this.set({ announcement: { id: ++this.noticeId, text: `${m.sender.displayName}: ${m.text}` } });
  }
}

/** The room an answer or event is about: its own room_id, else the request's. */
function roomOf(roomId: bigint, req: Pending | undefined): string {
  if (roomId) return roomId.toString();
  return req && 'roomId' in req ? req.roomId : '';
}
