// The chat controller: ties the Connection to the per-room store, tracks what each request
// id was for, and exposes one immutable state snapshot to the UI. It also carries a student's
// "I need to talk" (per room) and, for staff, the notices of students who asked to talk.
import { Connection } from './connection';
import type { AuthCheck, ConnStatus } from './connection';
import {
  ErrorCode,
  Role,
  TALK_TIMEOUT_TEXT,
  describeError,
  describeEscalatedError,
  describeTalkError,
  toAgreement,
  toMember,
  toMessage,
  toRoom,
  toSession,
  toTalkAck,
  toTalkNotice,
} from './proto';
import type { ChatMessage, Member, RoomInfo, ServerFrame, WireError } from './proto';
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
  authLost: boolean;
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
  createSocket?: (url: string) => WebSocket;
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
    authLost: false,
  };
  private listeners = new Set<() => void>();
  private requests = new Map<bigint, Pending>();
  private noticeId = 0;
  private readonly conn: Connection;
  private readonly talkTimeoutMs: number;
  private talkTimers = new Map<string, ReturnType<typeof setTimeout>>();

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
  }

  private onReady(gen: number, hello: ServerFrame): void {
    if (hello.body.case !== 'hello') return;
    const h = hello.body.value;
    this.set({ me: toMember(h.me), maxMessageBytes: h.maxMessageBytes });
    this.request({ kind: 'list' }, { case: 'listRooms', value: {} });
    if (this.s.openRoomId) this.join(this.s.openRoomId);
    // "I need to talk" needs no join: what was lost with the last connection goes out now.
    for (const rs of Object.values(this.s.roomStates)) {
      const clientMsgId = store.unsentTalk(rs, gen);
      if (clientMsgId) this.transmitTalk(rs.room.roomId, clientMsgId);
    }
  }

  private onDisconnected(): void {
    this.requests.clear();
    const roomStates: Record<string, RoomState> = {};
    for (const [id, rs] of Object.entries(this.s.roomStates)) roomStates[id] = store.markDisconnected(rs);
    this.set({ roomStates });
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
    this.set({ openRoomId: roomId, alert: null });
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
      this.alert(postBlockText(block, rs.session), 'info');
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
      this.alert(postBlockText(block, rs.session), 'info');
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
          },
          withResume,
        );
        this.setRoom(next);
        this.flushPending(roomId);
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
        this.setRoom(r.state);
        if (r.added) this.announce(m);
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
        // Only staff are sent these; a student's client never shows one.
        if (!this.s.me || this.s.me.role === Role.STUDENT) return;
        const notice = toTalkNotice(b.value);
        if (!notice.atMs) notice.atMs = Date.now();
        const talkNotices = store.addTalkNotice(this.s.talkNotices, notice);
        if (talkNotices !== this.s.talkNotices) this.set({ talkNotices });
        return;
      }
      case 'removed': {
        const rs = this.room(b.value.roomId.toString());
        if (rs) this.setRoom(store.applyRemoved(rs, Number(b.value.seq)));
        return;
      }
      case 'presence': {
        const rs = this.room(b.value.roomId.toString());
        if (rs && rs.joined) this.setRoom(store.applyPresence(rs, toMember(b.value.member), b.value.present));
        return;
      }
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
    const clientMsgId = e.clientMsgId || (req?.kind === 'send' ? req.clientMsgId : '');
    const roomId = e.roomId ? e.roomId.toString() : req && 'roomId' in req ? req.roomId : '';
    // A send kept out of the room that still reached a counselor: the server's text is the
    // supportive reply for the student, shown as support, never as an error.
    const support = e.escalated && e.message ? e.message : '';
    const text = support ? describeEscalatedError(e.code) : describeError(e.code, Number(e.retryAfterMs), e.message);
    if (clientMsgId && roomId) {
      let rs = this.room(roomId);
      if (rs) {
        rs = store.updatePending(rs, clientMsgId, { state: 'failed', error: text, support: support || undefined });
        if (e.code === ErrorCode.AGREEMENT_REQUIRED) rs = store.agreementOutdated(rs);
        this.setRoom(rs);
      }
      // Re-join to learn the current agreement version, or the session as it is now (once,
      // however many queued sends fail the same way).
      const refresh =
        e.code === ErrorCode.NOT_JOINED ||
        e.code === ErrorCode.AGREEMENT_REQUIRED ||
        e.code === ErrorCode.ROOM_NOT_LIVE;
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
      if (rs) this.setRoom({ ...rs, joining: false, loadingOlder: false });
    }
    const gentle = e.code === ErrorCode.ROOM_NOT_LIVE || e.code === ErrorCode.AGREEMENT_REQUIRED;
    this.alert(text, gentle ? 'info' : 'error');
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
