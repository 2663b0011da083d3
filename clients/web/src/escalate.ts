// A facilitator's manual escalation ("Tell a counselor"), per room: pure state and texts, no
// I/O. A facilitator tells the school's counselors about one message that worried them and no
// rule caught; the server makes it a durable escalation (source FACILITATOR) and pages the
// counselors like any other. What lives here is only the facilitator's side, in memory: which
// messages are on their way and which a counselor was told of ("Counselor told"). A reload
// forgets the marks; the escalation itself is the server's. The counselors' side is
// escalations.ts; the requests and answers are chatEscalate.ts.
import { ErrorCode, describeError } from './proto';

export interface RoomEscalate {
  /** EscalateMessage in flight, by seq. */
  sending: Record<number, true>;
  /** Messages a counselor was told of (now, or already before): seq → escalation id. */
  told: Record<number, string>;
}

export const noEscalate: RoomEscalate = { sending: {}, told: {} };

// ---- texts ----------------------------------------------------------------------------------

/** The button on a message (its visible text is "Tell a counselor"). */
export function escalateLabel(senderName: string): string {
  return `Tell a counselor about the message from ${senderName}`;
}

export const ESCALATE_QUESTION =
  "Tell the school's counselors about this message? They will see it and what was said just before.";
export const TOLD_MARK = 'Counselor told';
export const TELLING_MARK = 'Telling a counselor…';

/** The answer, read out in the console's polite live region. */
export function raisedText(duplicate: boolean): string {
  return duplicate ? 'A counselor was already told about this message.' : 'A counselor has been told about this message.';
}

export const ESCALATE_OFFLINE_TEXT = "You're offline, so no counselor was told. Please try again once Circles is back.";
export const ESCALATE_LOST_TEXT =
  "The connection was lost, so we can't tell whether a counselor was told. Please press “Tell a counselor” again once Circles is back.";

/** A refusal: the server's own words for the codes it explains, ours when it sent none. */
export function describeEscalateError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  const own = serverText.trim();
  switch (code) {
    case ErrorCode.FORBIDDEN:
      return own || "Only this room's facilitators can tell a counselor about its messages.";
    case ErrorCode.MESSAGE_NOT_FOUND:
      return own || "That message isn't in the room any more, so no counselor was told.";
    case ErrorCode.INVALID_ARGUMENT:
      return own || "That message can't be passed to a counselor.";
    case ErrorCode.UNKNOWN_FRAME:
      return "This server doesn't support telling a counselor yet. Please contact your school's counselors directly.";
    default:
      return describeError(code, retryAfterMs, own);
  }
}

// ---- state ----------------------------------------------------------------------------------

/** An EscalateMessage went out for `seq`. */
export function startEscalate(r: RoomEscalate, seq: number): RoomEscalate {
  return { ...r, sending: { ...r.sending, [seq]: true } };
}

/** EscalationRaised (a duplicate too): a counselor has it. */
export function applyRaised(r: RoomEscalate, seq: number, escalationId: string): RoomEscalate {
  const sending = withoutSeq(r.sending, seq);
  if (r.told[seq] === escalationId && sending === r.sending) return r;
  return { sending, told: { ...r.told, [seq]: escalationId } };
}

/** Refused: the button comes back. */
export function escalateFailed(r: RoomEscalate, seq: number): RoomEscalate {
  const sending = withoutSeq(r.sending, seq);
  return sending === r.sending ? r : { ...r, sending };
}

/** The connection dropped: nothing in flight will be answered. */
export function escalateDisconnected(r: RoomEscalate): RoomEscalate {
  return Object.keys(r.sending).length ? { ...r, sending: {} } : r;
}

function withoutSeq<T>(rec: Record<number, T>, seq: number): Record<number, T> {
  if (!(seq in rec)) return rec;
  const rest = { ...rec };
  delete rest[seq];
  return rest;
}
