// A counselor's open case (the case view): pure state and texts, no I/O. The view shows one
// CaseFile at a time; every answer to GetCase or UpdateCase is a fresh one and replaces it.
// The student's real name (RevealIdentity) lives only here, in memory, and only while the
// case view is open: closing the case, opening another or going to observe the room forgets
// it, and nothing writes it anywhere else. The texts of a counselor in a room (observing, and
// what members see while a counselor is present) are here too.
//
// The wire mapping for CaseFile lives here rather than in proto.ts (which is at its size), as
// reports.ts does for Report.
import { CaseOutcome } from './gen/circles/v1/circles_pb';
import type { CaseFile as WireCaseFile } from './gen/circles/v1/circles_pb';
import { isOpen, progress } from './escalations';
import { tooLongText } from './facilitation';
import { ErrorCode, EscalationState, Role, describeError, toEscalation, toMember, toMessage } from './proto';
import type { ChatMessage, EscalationInfo, Member } from './proto';

export { CaseOutcome };

/** UpdateCase.note: at most 4000 bytes of UTF-8 (the server checks the same). */
export const CASE_NOTE_MAX_BYTES = 4000;

export interface CaseNoteInfo {
  noteId: string;
  author: Member;
  /** In this browser's clock (0: not set). */
  atMs: number;
  text: string;
}

/** A case as its counselors see it (times in this browser's clock; 0 = not set). */
export interface CaseFileInfo {
  escalation: EscalationInfo;
  /** What was said just before the triggering message, oldest first (removed ones without text). */
  context: ChatMessage[];
  /** Oldest first. */
  notes: CaseNoteInfo[];
  acknowledgedBy: Member | null;
  /** Who moved it to IN_PROGRESS. */
  takenBy: Member | null;
  takenAtMs: number;
  resolvedBy: Member | null;
  resolvedAtMs: number;
  outcome: CaseOutcome;
}

export function toCaseFile(w: WireCaseFile, toLocal: (serverMs: number) => number = (ms) => ms): CaseFileInfo {
  const local = (ms: bigint) => (ms ? toLocal(Number(ms)) : 0);
  const we = w.escalation;
  return {
    escalation: toEscalation(we, toLocal),
    context: (we?.context ?? []).map(toMessage),
    // The server sends them oldest first; a stable sort keeps its order for equal times.
    notes: w.notes
      .map((n) => ({ noteId: n.noteId.toString(), author: toMember(n.author), atMs: local(n.atMs), text: n.text }))
      .sort((a, b) => a.atMs - b.atMs),
    acknowledgedBy: w.acknowledgedBy ? toMember(w.acknowledgedBy) : null,
    takenBy: w.takenBy ? toMember(w.takenBy) : null,
    takenAtMs: local(w.takenAtMs),
    resolvedBy: w.resolvedBy ? toMember(w.resolvedBy) : null,
    resolvedAtMs: local(w.resolvedAtMs || (we?.resolvedAtMs ?? 0n)),
    outcome: w.outcome || (we?.outcome ?? CaseOutcome.UNSPECIFIED),
  };
}

// ---- the choices and their texts ------------------------------------------------------------

/** How a counselor may close a case, in this order, with the words they read. */
export const CASE_OUTCOMES: { outcome: CaseOutcome; value: string; label: string }[] = [
  { outcome: CaseOutcome.SUPPORTED_IN_SCHOOL, value: 'SUPPORTED_IN_SCHOOL', label: 'Supported in school' },
  { outcome: CaseOutcome.REFERRED, value: 'REFERRED', label: 'Referred to outside services' },
  { outcome: CaseOutcome.GUARDIAN_CONTACTED, value: 'GUARDIAN_CONTACTED', label: 'Parent or guardian contacted' },
  { outcome: CaseOutcome.EMERGENCY_SERVICES, value: 'EMERGENCY_SERVICES', label: 'Emergency services called' },
  { outcome: CaseOutcome.NO_CONCERN, value: 'NO_CONCERN', label: 'No concern found' },
];

export function outcomeLabel(o: CaseOutcome): string {
  return CASE_OUTCOMES.find((x) => x.outcome === o)?.label ?? '';
}

/** Said near the case heading: every GetCase is in the audit trail. */
export const CASE_RECORDED_TEXT = 'Opening a case is recorded.';
/** The confirmation before RevealIdentity. */
export const REVEAL_WARNING_TEXT = "The student's name is shown only to you and this is recorded in the audit trail.";
/** A counselor's disabled composer in a room they observe. */
export const OBSERVING_TEXT = 'You are observing; counselors do not post here';
/** Students and facilitators, while a counselor is in the room. */
export const COUNSELOR_HERE_TEXT = 'A counselor is here to listen';
/** A pushed CaseResolved without a notice of its own. */
export const CASE_RESOLVED_FALLBACK = 'A counselor has followed this up.';

/** "Real name: Alex Rivera", or that the school has none on record. */
export function realNameText(realName: string): string {
  return realName.trim() ? `Real name: ${realName.trim()}` : 'No real name on record';
}

/** "Mr. Okafor (you) at 3:14 PM", "Ms. Lee", "at 3:14 PM"; '' when neither is known. */
export function byWhenText(by: Member | null, me: Member | null, time: string): string {
  const who = by ? `${by.displayName}${me && by.userId === me.userId ? ' (you)' : ''}` : '';
  return [who, time ? `at ${time}` : ''].filter(Boolean).join(' ');
}

/** What a note must be before it is sent, or null when it may go. `required`: a note alone. */
export function noteProblem(note: string, required: boolean): string | null {
  const text = note.trim();
  if (required && !text) return 'Write the note first.';
  return tooLongText('note', text, CASE_NOTE_MAX_BYTES);
}

/** A case request the server refused: its own words when it has some, else ours by code. */
export function describeCaseError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  switch (code) {
    case ErrorCode.FORBIDDEN:
      return serverText || "Only the school's counselors can do that, and a name only once the case is acknowledged.";
    case ErrorCode.INVALID_ARGUMENT:
      return serverText || "That wasn't saved: a resolved case takes notes only, and a note is at most 4000 bytes.";
    case ErrorCode.ESCALATION_NOT_FOUND:
      return serverText || "That case isn't there any more.";
    case ErrorCode.INTERNAL:
      return serverText || 'Something went wrong on our side; nothing was saved. Please try again.';
    case ErrorCode.UNKNOWN_FRAME:
      return "This server doesn't support case handling yet.";
    default:
      return describeError(code, retryAfterMs, serverText);
  }
}

export const CASE_OFFLINE_TEXT = "You're offline, so it wasn't sent. Please try again once Circles is back.";
export const CASE_LOST_TEXT = "The connection was lost before the answer came. Check the case once Circles is back, and try again if it isn't there.";

// ---- what a case allows -----------------------------------------------------------------------

export function isResolved(e: EscalationInfo): boolean {
  return e.state === EscalationState.RESOLVED;
}

/** "Take this case": while nobody has (open or acknowledged). */
export function canTake(e: EscalationInfo): boolean {
  return isOpen(e) || e.state === EscalationState.ACKNOWLEDGED;
}

/** "Show real name": once somebody is working the case (the server refuses it while open). */
export function canReveal(e: EscalationInfo): boolean {
  return !isOpen(e);
}

/**
 * The escalation to show: the case file's (it has the context), moved on to the dashboard's copy
 * when an event or a list has brought newer news since (a colleague took or resolved it).
 */
export function currentEscalation(file: CaseFileInfo | null, item: EscalationInfo | null): EscalationInfo | null {
  if (!file) return item;
  const e = file.escalation;
  if (!item || progress(item, e) <= 0) return e;
  const { state, pageLevel, deadlineMs, acknowledgedBy, acknowledgedAtMs } = item;
  return { ...e, state, pageLevel, deadlineMs, acknowledgedBy, acknowledgedAtMs };
}

/** Students and facilitators: someone else present is a counselor. */
export function counselorPresent(present: Member[], me: Member | null): boolean {
  return present.some((m) => m.role === Role.COUNSELOR && (!me || m.userId !== me.userId));
}

// ---- the open case ------------------------------------------------------------------------------

export type CaseAction = 'take' | 'note' | 'resolve';

/** The last UpdateCase sent from the view, under way or answered. */
export interface CaseUpdate {
  action: CaseAction;
  state: 'sending' | 'done' | 'failed';
}

export interface OpenCase {
  escalationId: string;
  /** The last CaseFile (null until the first arrives). */
  file: CaseFileInfo | null;
  /** A GetCase has no answer yet. */
  loading: boolean;
  update: CaseUpdate | null;
  /** What went wrong last, for the view's alert ('' when nothing). */
  error: string;
  /** RevealIdentity: on its way, or the answer (memory only; null: not asked). */
  reveal: { state: 'sending' | 'shown'; realName: string } | null;
}

/** A case was opened: GetCase is on its way. */
export function openCase(escalationId: string): OpenCase {
  return { escalationId, file: null, loading: true, update: null, error: '', reveal: null };
}

/** A CaseFile for this case; `action`: it answers that UpdateCase. Other cases' files pass by. */
export function applyCaseFile(c: OpenCase, file: CaseFileInfo, action?: CaseAction): OpenCase {
  if (file.escalation.escalationId !== c.escalationId) return c;
  const update = action && c.update?.action === action ? { action, state: 'done' as const } : c.update;
  return { ...c, file, loading: false, update, error: '' };
}

export function startUpdate(c: OpenCase, action: CaseAction): OpenCase {
  return { ...c, update: { action, state: 'sending' }, error: '' };
}

/** Whether an UpdateCase from this view is still waiting for its answer. */
export function updating(c: OpenCase): boolean {
  return c.update?.state === 'sending';
}

/** A request for this case failed (`what`: which one), with the words to show. */
export function caseFailed(c: OpenCase, what: CaseAction | 'get' | 'reveal', error: string): OpenCase {
  if (what === 'get') return { ...c, loading: false, error };
  if (what === 'reveal') return { ...c, reveal: null, error };
  const update = c.update?.action === what ? { action: what, state: 'failed' as const } : c.update;
  return { ...c, update, error };
}

export function startReveal(c: OpenCase): OpenCase {
  return { ...c, reveal: { state: 'sending', realName: '' }, error: '' };
}

/** IdentityRevealed: shown only if this case asked for it and is still open. */
export function applyRevealed(c: OpenCase, escalationId: string, realName: string): OpenCase {
  if (escalationId !== c.escalationId || !c.reveal) return c;
  return { ...c, reveal: { state: 'shown', realName } };
}

/** The case view is out of sight: the name goes. */
export function forgetName(c: OpenCase): OpenCase {
  return c.reveal ? { ...c, reveal: null } : c;
}

/** The connection dropped: no answer will come to what was in flight (a GetCase is sent again). */
export function caseDisconnected(c: OpenCase): OpenCase {
  const lostUpdate = c.update?.state === 'sending';
  const lostReveal = c.reveal?.state === 'sending';
  if (!lostUpdate && !lostReveal) return c;
  return {
    ...c,
    update: lostUpdate && c.update ? { ...c.update, state: 'failed' } : c.update,
    reveal: lostReveal ? null : c.reveal,
    error: CASE_LOST_TEXT,
  };
}

/** Said politely once an UpdateCase is answered. */
export function caseDoneText(action: CaseAction): string {
  switch (action) {
    case 'take':
      return 'You have taken this case.';
    case 'note':
      return 'Note saved.';
    case 'resolve':
      return 'Case resolved.';
  }
}
