// Encode/decode helpers around the generated circles.v1 protobuf types, plus the mapping
// from wire messages to the small plain objects the rest of the client works with.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  ClientFrameSchema,
  ErrorCode,
  MessageStatus,
  Role,
  ServerFrameSchema,
} from './gen/circles/v1/circles_pb';
import type {
  Agreement as WireAgreement,
  Error as WireError,
  Member as WireMember,
  MessageEvent as WireMessageEvent,
  NeedToTalkAck as WireNeedToTalkAck,
  NeedToTalkEvent as WireNeedToTalkEvent,
  Room as WireRoom,
  ServerFrame,
  SessionState as WireSessionState,
} from './gen/circles/v1/circles_pb';

export { ErrorCode, MessageStatus, Role };
export type { ServerFrame, WireError };

/** The body of a ClientFrame, e.g. `{ case: 'join', value: { roomId: 1n } }`. */
export type ClientBody = NonNullable<MessageInitShape<typeof ClientFrameSchema>['body']>;

export function encodeClientFrame(requestId: bigint, body: ClientBody): Uint8Array {
  return toBinary(ClientFrameSchema, create(ClientFrameSchema, { requestId, body }));
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

export function kindLabel(kind: string): string {
  if (KIND_LABELS[kind]) return KIND_LABELS[kind];
  const s = kind.replace(/_/g, ' ').trim();
  return s ? s[0].toUpperCase() + s.slice(1) : 'Room';
}
