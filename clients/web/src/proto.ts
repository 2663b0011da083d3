// Encode/decode helpers around the generated circles.v1 protobuf types, plus the mapping
// from wire messages to the small plain objects the rest of the client works with.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  ClientFrameSchema,
  ErrorCode,
  EscalationSource,
  EscalationState,
  MessageDecision,
  MessageStatus,
  ReportCategory,
  ReportState,
  Role,
  ServerFrameSchema,
} from './gen/circles/v1/circles_pb';
import type {
  Agreement as WireAgreement,
  Error as WireError,
  Escalation as WireEscalation,
  Member as WireMember,
  MemberInfo as WireMemberInfo,
  MessageEvent as WireMessageEvent,
  NeedToTalkAck as WireNeedToTalkAck,
  NeedToTalkEvent as WireNeedToTalkEvent,
  Room as WireRoom,
  RoomControls as WireRoomControls,
  ServerFrame,
  SessionState as WireSessionState,
} from './gen/circles/v1/circles_pb';

import { normalizeReason } from './facilitation';
import type { Citation, FacAction } from './facilitation';

export { ErrorCode, EscalationSource, EscalationState, MessageDecision, MessageStatus, ReportCategory, ReportState, Role };
export type { ServerFrame, WireError };

/** The body of a ClientFrame, e.g. `{ case: 'join', value: { roomId: 1n } }`. */
export type ClientBody = NonNullable<MessageInitShape<typeof ClientFrameSchema>['body']>;

export function encodeClientFrame(requestId: bigint, body: ClientBody): Uint8Array {
  return toBinary(ClientFrameSchema, create(ClientFrameSchema, { requestId, body }));
}

/**
 * The ClientFrame body for a facilitator action. SetRoomControls sets both controls at once, so
 * a lock keeps the room's slow mode (`controls`) and a slow-mode change keeps its lock.
 */
export function actionBody(roomId: string, a: FacAction, c: Citation, controls: ControlsInfo | null): ClientBody {
  const room = BigInt(roomId);
  const citation = { groundRule: c.groundRule, reason: normalizeReason(c.reason) };
  switch (a.kind) {
    case 'approve':
    case 'reject':
    case 'remove-message':
      return {
        case: 'moderateMessage',
        value: {
          roomId: room,
          seq: BigInt(a.seq),
          decision: a.kind === 'approve' ? MessageDecision.APPROVE : MessageDecision.REMOVE,
          citation,
        },
      };
    case 'mute':
    case 'unmute':
      return {
        case: 'muteMember',
        value: {
          roomId: room,
          userId: BigInt(a.member.userId),
          durationSeconds: a.kind === 'mute' ? Math.round(a.minutes * 60) : 0,
          citation,
        },
      };
    case 'remove-member':
      return { case: 'removeMember', value: { roomId: room, userId: BigInt(a.member.userId), citation } };
    case 'lock':
      return {
        case: 'setRoomControls',
        value: { roomId: room, locked: a.locked, slowModeSeconds: controls?.slowModeSeconds ?? 0, citation },
      };
    case 'slow-mode':
      return {
        case: 'setRoomControls',
        value: { roomId: room, locked: controls?.locked ?? false, slowModeSeconds: a.seconds, citation },
      };
  }
}

export function decodeServerFrame(data: ArrayBuffer | Uint8Array): ServerFrame {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  return fromBinary(ServerFrameSchema, bytes);
}

// ---- plain client-side shapes ----------------------------------------------------------

export interface Member {
  userId: string; // uint64 as decimal string (exact, usable as a map key)
  displayName: string;
  role: Role;
}

export interface RoomInfo {
  roomId: string;
  name: string;
  kind: string;
  epoch: bigint;
  lastSeq: number;
}

export interface ChatMessage {
  roomId: string;
  seq: number;
  epoch: bigint;
  sender: Member;
  text: string;
  sentAtMs: number;
  clientMsgId: string;
  status: MessageStatus;
  /** REMOVED by a facilitator citing this ground rule (0 or unset: not known). */
  groundRule?: number;
}

/** One weekly meeting, in the session's time zone. */
export interface ScheduleSlot {
  weekday: number; // 1 = Monday ... 7 = Sunday
  startMinute: number; // minutes after local midnight
  durationMinutes: number;
}

/** Whether students may post in a room now, and when it meets (SessionState). */
export interface SessionInfo {
  open: boolean;
  openedAtMs: number;
  openedBy: Member | null;
  facilitatorPresent: boolean;
  /** open && facilitatorPresent, or true when the server runs rooms without sessions. */
  live: boolean;
  timeZone: string; // IANA name, as the server sent it (may be empty or unknown here)
  schedule: ScheduleSlot[];
  /** false: the server runs rooms always live. */
  required: boolean;
}

export interface GroundRule {
  number: number;
  text: string;
}

/** The room's group agreement as this user sees it. */
export interface AgreementInfo {
  version: string;
  rules: GroundRule[];
  accepted: boolean;
  /** false for staff, and when the server runs rooms without sessions. */
  required: boolean;
}

/** The answer to a student's "I need to talk". */
export interface TalkAck {
  roomId: string;
  escalationId: string;
  /** The school's supportive reply with its crisis contacts. */
  support: string;
  /** "A counselor has been told; someone will follow up with you." */
  confirmation: string;
  /** The same press arrived before (a retry): nobody was told twice. */
  duplicate: boolean;
}

/** For a room's facilitators and the school's counselors: a student asked to talk. */
export interface TalkNotice {
  escalationId: string;
  roomId: string;
  roomName: string;
  student: Member;
  /** When the student asked (server time, Unix ms; 0 when unknown). */
  atMs: number;
}

/**
 * An escalation as a counselor sees it. Times are in this browser's clock (the server's Unix ms
 * moved by the `Hello.server_time_ms` offset); 0 stays 0 (not set).
 */
export interface EscalationInfo {
  escalationId: string;
  roomId: string;
  roomName: string;
  /** e.g. "self_harm", "need_to_talk". */
  categories: string[];
  source: EscalationSource;
  createdAtMs: number;
  /** When it is paged to the next contacts unless acknowledged. */
  deadlineMs: number;
  /** The contact level paged last (0 = the on-duty counselors). */
  pageLevel: number;
  state: EscalationState;
  /** User id of who acknowledged it ('' until then). */
  acknowledgedBy: string;
  acknowledgedAtMs: number;
  /** The triggering message (counselors only; empty for "I need to talk"). */
  text: string;
  /** Who wrote it, as a pseudonym (null when the server left it out). */
  sender: Member | null;
}

/** Whether the room is read-only for students, and its slow mode (RoomControls). */
export interface ControlsInfo {
  locked: boolean;
  /** Each student may post once per this many seconds; 0 = off. */
  slowModeSeconds: number;
  /** The ground rule cited by the last change (0 when unknown, e.g. in a JoinResult). */
  groundRule: number;
  /** Who changed them last (null in a JoinResult). */
  by: Member | null;
}

/** A member of the room as its staff see it (MemberList). */
export interface MemberInfo {
  member: Member;
  present: boolean;
  /** Muted until then, in this browser's clock (Unix ms); 0 when not muted. */
  mutedUntilMs: number;
}

export function toMember(m: WireMember | undefined): Member {
  return {
    userId: m ? m.userId.toString() : '0',
    displayName: m?.displayName || 'Someone',
    role: m?.role ?? Role.UNSPECIFIED,
  };
}

export function toRoom(r: WireRoom | undefined): RoomInfo {
  return {
    roomId: r ? r.roomId.toString() : '0',
    name: r?.name ?? '',
    kind: r?.kind ?? '',
    epoch: r?.epoch ?? 0n,
    lastSeq: r ? Number(r.lastSeq) : 0,
  };
}

export function toMessage(m: WireMessageEvent): ChatMessage {
  return {
    roomId: m.roomId.toString(),
    seq: Number(m.seq),
    epoch: m.epoch,
    sender: toMember(m.sender),
    text: m.text,
    sentAtMs: Number(m.sentAtMs),
    clientMsgId: m.clientMsgId,
    status: m.status,
  };
}

/** SessionState → SessionInfo; null when the server sent none (a server without sessions). */
export function toSession(w: WireSessionState | undefined): SessionInfo | null {
  if (!w) return null;
  return {
    open: w.open,
    openedAtMs: Number(w.openedAtMs),
    openedBy: w.openedBy ? toMember(w.openedBy) : null,
    facilitatorPresent: w.facilitatorPresent,
    live: w.live,
    timeZone: w.timeZone,
    schedule: w.schedule.map((x) => ({
      weekday: x.weekday,
      startMinute: x.startMinute,
      durationMinutes: x.durationMinutes,
    })),
    required: w.required,
  };
}

/** Agreement → AgreementInfo; null when the server sent none. Rules are kept in number order. */
export function toAgreement(w: WireAgreement | undefined): AgreementInfo | null {
  if (!w) return null;
  return {
    version: w.version,
    rules: w.rules.map((r) => ({ number: r.number, text: r.text })).sort((a, b) => a.number - b.number),
    accepted: w.accepted,
    required: w.required,
  };
}

/** RoomControls → ControlsInfo; null when the server sent none (no controls: unlocked). */
export function toControls(w: WireRoomControls | undefined): ControlsInfo | null {
  if (!w) return null;
  return {
    locked: w.locked,
    slowModeSeconds: w.slowModeSeconds,
    groundRule: w.groundRule,
    by: w.by ? toMember(w.by) : null,
  };
}

/**
 * MemberInfo → MemberInfo; `toLocal` turns the server's mute deadline into this browser's
 * clock (the two may disagree by minutes on a phone).
 */
export function toMemberInfo(w: WireMemberInfo, toLocal: (serverMs: number) => number = (ms) => ms): MemberInfo {
  const until = Number(w.mutedUntilMs);
  return { member: toMember(w.member), present: w.present, mutedUntilMs: until > 0 ? toLocal(until) : 0 };
}

/** Escalation → EscalationInfo; `toLocal` moves the server's times into this browser's clock. */
export function toEscalation(
  w: WireEscalation | undefined,
  toLocal: (serverMs: number) => number = (ms) => ms,
): EscalationInfo {
  const local = (ms: bigint | undefined) => (ms ? toLocal(Number(ms)) : 0);
  return {
    escalationId: w ? w.escalationId.toString() : '0',
    roomId: w ? w.roomId.toString() : '0',
    roomName: w?.roomName ?? '',
    categories: w ? [...w.categories] : [],
    source: w?.source ?? EscalationSource.UNSPECIFIED,
    createdAtMs: local(w?.createdAtMs),
    deadlineMs: local(w?.deadlineMs),
    pageLevel: w?.pageLevel ?? 0,
    state: w?.state ?? EscalationState.UNSPECIFIED,
    acknowledgedBy: w && w.acknowledgedBy ? w.acknowledgedBy.toString() : '',
    acknowledgedAtMs: local(w?.acknowledgedAtMs),
    text: w?.text ?? '',
    sender: w?.sender ? toMember(w.sender) : null,
  };
}

/** Shown when the server sends no confirmation text of its own. */
export const TALK_CONFIRMATION_FALLBACK =
  'Thank you for asking. A counselor has been told, and someone will follow up with you soon.';

export function toTalkAck(w: WireNeedToTalkAck): TalkAck {
  return {
    roomId: w.roomId.toString(),
    escalationId: w.escalationId.toString(),
    support: w.support.trim(),
    confirmation: w.confirmation.trim() || TALK_CONFIRMATION_FALLBACK,
    duplicate: w.duplicate,
  };
}

export function toTalkNotice(w: WireNeedToTalkEvent): TalkNotice {
  return {
    escalationId: w.escalationId.toString(),
    roomId: w.roomId.toString(),
    roomName: w.roomName,
    student: toMember(w.student),
    atMs: Number(w.atMs),
  };
}

// ---- errors -----------------------------------------------------------------------------

/** A short sentence for people, chosen by error code (never by the server's text). */
export function describeError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  const secs = Math.max(1, Math.ceil(retryAfterMs / 1000));
  switch (code) {
    case ErrorCode.RATE_LIMITED:
      return `You're sending fast — try again in ${secs} s.`;
    case ErrorCode.OVERLOADED:
      return `Circles is very busy right now — try again in ${secs} s.`;
    case ErrorCode.MESSAGE_TOO_LARGE:
      return 'That message is too long. Try splitting it into shorter messages.';
    case ErrorCode.EMPTY_MESSAGE:
      return 'That message is empty.';
    case ErrorCode.NOT_A_MEMBER:
      return "You're not a member of this room.";
    case ErrorCode.ROOM_NOT_FOUND:
      return "This room doesn't exist any more.";
    case ErrorCode.NOT_JOINED:
      return 'Still joining the room — please try again in a moment.';
    case ErrorCode.UNAUTHENTICATED:
      return 'Your session has ended. Please log in again.';
    case ErrorCode.FORBIDDEN:
      return "You're not allowed to do that here.";
    case ErrorCode.BLOCKED_BY_POLICY:
      return serverText
        ? `Your message wasn't shared: ${serverText}`
        : "Your message wasn't shared because of the room's ground rules.";
    case ErrorCode.ROOM_NOT_LIVE:
      return "The group isn't meeting right now, so this wasn't shared. You can send it once the session is live.";
    case ErrorCode.AGREEMENT_REQUIRED:
      return 'Please read and agree to the group agreement first, then try again.';
    case ErrorCode.ROOM_LOCKED:
      return "The facilitator has made this room read-only for now, so this wasn't shared. You can keep reading.";
    case ErrorCode.MUTED:
      return retryAfterMs > 0
        ? `The facilitator has paused your messages for ${waitText(retryAfterMs)}, so this wasn't shared.`
        : "The facilitator has paused your messages for now, so this wasn't shared.";
    case ErrorCode.MESSAGE_NOT_FOUND:
      return "That message isn't in the room any more.";
    case ErrorCode.INVALID_ARGUMENT:
    case ErrorCode.MALFORMED_FRAME:
    case ErrorCode.UNKNOWN_FRAME:
      return 'Something went wrong with that request. Please reload the page.';
    case ErrorCode.INTERNAL:
      return 'Something went wrong on our side; nothing was saved. Please try again.';
    default:
      return serverText || 'Something went wrong. Please try again.';
  }
}

/** "3 minutes", "45 seconds", "1 hour 5 minutes": how long a wait is, rounded up. */
export function waitText(ms: number): string {
  const secs = Math.max(1, Math.ceil(ms / 1000));
  if (secs < 60) return secs === 1 ? '1 second' : `${secs} seconds`;
  const mins = Math.ceil(secs / 60);
  if (mins < 60) return mins === 1 ? '1 minute' : `${mins} minutes`;
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  const hours = h === 1 ? '1 hour' : `${h} hours`;
  return m ? `${hours} ${m === 1 ? '1 minute' : `${m} minutes`}` : hours;
}

/** A send refused by slow mode (RATE_LIMITED while the room's slow mode is on). */
export function describeSlowMode(retryAfterMs: number): string {
  return `Slow mode is on: you can send again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`;
}

/** A facilitator action (moderate, mute, remove, room controls, lists) the server refused. */
export function describeActionError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  switch (code) {
    case ErrorCode.FORBIDDEN:
      return "That wasn't done: only this room's facilitators can do it, and only to students.";
    case ErrorCode.INVALID_ARGUMENT:
      return "That wasn't done: the server didn't accept it (a removed message can't be approved; the reason must be one line of up to 200 bytes, citing one of the room's ground rules).";
    case ErrorCode.MESSAGE_NOT_FOUND:
      return "That wasn't done: the message isn't in the room any more.";
    case ErrorCode.NOT_A_MEMBER:
      return "That wasn't done: they're not a member of this room any more.";
    case ErrorCode.NOT_JOINED:
      return "That wasn't done: still joining the room. Please try again in a moment.";
    case ErrorCode.UNKNOWN_FRAME:
      return "That wasn't done: this server doesn't support facilitator actions yet.";
    default:
      return `That wasn't done. ${describeError(code, retryAfterMs, serverText)}`;
  }
}

/** A counselor's escalation request (list, acknowledge) the server refused. */
export function describeEscalationError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  switch (code) {
    case ErrorCode.ESCALATION_NOT_FOUND:
      return "That escalation isn't there any more. The list has been refreshed.";
    case ErrorCode.FORBIDDEN:
      return "Only the school's counselors can see and acknowledge escalations.";
    case ErrorCode.UNKNOWN_FRAME:
      return "This server doesn't support the counselor dashboard yet.";
    default:
      return describeError(code, retryAfterMs, serverText);
  }
}

/**
 * A send kept out of the room that still reached a counselor (Error.escalated): what happened,
 * said gently. The server's text, the supportive reply, is shown next to it.
 */
export function describeEscalatedError(code: ErrorCode): string {
  switch (code) {
    case ErrorCode.ROOM_NOT_LIVE:
      return "The group isn't meeting right now, so this wasn't shared with the group, but a school counselor has been told.";
    case ErrorCode.AGREEMENT_REQUIRED:
      return "This wasn't shared with the group yet, but a school counselor has been told.";
    default:
      return "This wasn't shared with the group, but a school counselor has been told.";
  }
}

/**
 * "I need to talk" did not go through: say so plainly, and what to do now. Never suggests that
 * someone was told.
 */
export function describeTalkError(code: ErrorCode, retryAfterMs = 0): string {
  const now = 'Please press it again, or talk to a trusted adult now.';
  switch (code) {
    case ErrorCode.OVERLOADED:
    case ErrorCode.RATE_LIMITED: {
      const secs = Math.max(1, Math.ceil(retryAfterMs / 1000));
      return `It did not go through: Circles is very busy. Please press it again in ${secs} s, or talk to a trusted adult now.`;
    }
    case ErrorCode.NOT_A_MEMBER:
    case ErrorCode.ROOM_NOT_FOUND:
      return "It did not go through: you're no longer in this room. Please talk to a trusted adult at school now.";
    case ErrorCode.FORBIDDEN:
      return 'This button is for students. Staff can reach a counselor directly.';
    default:
      return `It did not go through. ${now}`;
  }
}

/** "I need to talk" got no answer in time (the request may or may not have arrived). */
export const TALK_TIMEOUT_TEXT =
  "We couldn't confirm it went through. Please press it again, or talk to a trusted adult now.";

const KIND_LABELS: Record<string, string> = {
  peer_network: 'Peer network',
  social_group: 'Social group',
  gsa: 'GSA',
  social_justice: 'Social justice',
};

/** A known label, else the wire name as words ("new_kind" → "New kind"); `fallback` for ''. */
export function labelOf(labels: Record<string, string>, name: string, fallback = ''): string {
  if (labels[name]) return labels[name];
  const s = name.replace(/_/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : fallback;
}

export function kindLabel(kind: string): string {
  return labelOf(KIND_LABELS, kind, 'Room');
}
