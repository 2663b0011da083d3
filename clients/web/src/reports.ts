// Peer reports, per room: pure state and texts, no I/O. A student reports a message someone
// else wrote (a category and an optional note); the room's facilitators see it in a queue
// and settle it (dismiss, or remove the message); the student is told the outcome. Nobody is
// ever shown who reported: the wire carries no reporter, and nothing here adds one.
//
// The wire mapping for reports lives here rather than in proto.ts (which is at its size):
// `toReport` does for Report what proto.ts's `toX` functions do for the other frames.
import { ErrorCode, ReportCategory, ReportState, describeError, toMessage } from './proto';
import type { ChatMessage } from './proto';
import { tooLongText } from './facilitation';
import type { Report as WireReport } from './gen/circles/v1/circles_pb';

/** ReportMessage.note: at most 300 bytes of UTF-8 (the server checks the same). */
export const NOTE_MAX_BYTES = 300;
/** Notes kept in a room's notice area; older ones give way. */
const MAX_NOTES = 3;

/** A report as this viewer may see it (times in this browser's clock; 0 = not set). */
export interface ReportInfo {
  reportId: string;
  roomId: string;
  /** The reported message (text '' once removed); null when the server left it out. */
  message: ChatMessage | null;
  category: ReportCategory;
  note: string;
  createdAtMs: number;
  state: ReportState;
  handledAtMs: number;
  /** A SAFETY report: the escalation it opened (staff only; '' when none). */
  escalationId: string;
}

export function toReport(w: WireReport | undefined, toLocal: (serverMs: number) => number = (ms) => ms): ReportInfo {
  const local = (ms: bigint | undefined) => (ms ? toLocal(Number(ms)) : 0);
  return {
    reportId: w ? w.reportId.toString() : '0',
    roomId: w ? w.roomId.toString() : '0',
    message: w?.message ? toMessage(w.message) : null,
    category: w?.category ?? ReportCategory.UNSPECIFIED,
    note: w?.note ?? '',
    createdAtMs: local(w?.createdAtMs),
    state: w?.state ?? ReportState.UNSPECIFIED,
    handledAtMs: local(w?.handledAtMs),
    escalationId: w && w.escalationId ? w.escalationId.toString() : '',
  };
}

export function isHandled(r: ReportInfo): boolean {
  return r.state === ReportState.DISMISSED || r.state === ReportState.ACTIONED;
}

// ---- the choices and their texts ------------------------------------------------------------

/** What a student may choose, in this order, with the words they read. */
export const REPORT_CATEGORIES: { category: ReportCategory; value: string; label: string; hint?: string }[] = [
  { category: ReportCategory.UNKIND, value: 'UNKIND', label: 'Unkind or hurtful' },
  { category: ReportCategory.PRIVACY, value: 'PRIVACY', label: 'Shares private information' },
  {
    category: ReportCategory.SAFETY,
    value: 'SAFETY',
    label: "I'm worried someone is not safe",
    hint: 'A school counselor is told too.',
  },
  { category: ReportCategory.OTHER, value: 'OTHER', label: 'Something else' },
];

/** The category as the facilitator's queue names it. */
export function categoryLabel(c: ReportCategory): string {
  switch (c) {
    case ReportCategory.UNKIND:
      return 'Unkind or hurtful';
    case ReportCategory.PRIVACY:
      return 'Shares private information';
    case ReportCategory.SAFETY:
      return 'Worried someone is not safe';
    default:
      return 'Something else';
  }
}

/** What is wrong with a report before it is sent, or null when it may go. */
export function reportProblem(category: ReportCategory, note: string): { field: 'category' | 'note'; text: string } | null {
  if (!REPORT_CATEGORIES.some((c) => c.category === category)) {
    return { field: 'category', text: 'Choose what is wrong with the message.' };
  }
  const long = tooLongText('note', note.trim(), NOTE_MAX_BYTES);
  return long ? { field: 'note', text: long } : null;
}

/** Shown when the server sends no confirmation of its own. */
export const REPORT_CONFIRMATION_FALLBACK =
  'Thank you for telling us. A facilitator will look at it, and nobody will know it was you.';

/** What a student reads when a report of theirs was settled (the server's notice, else this). */
export function handledText(state: ReportState): string {
  return state === ReportState.ACTIONED
    ? 'A facilitator looked at a message you reported and removed it. Thank you for speaking up.'
    : 'A facilitator looked at a message you reported and left it as it is. Thank you for speaking up.';
}

/** One short note for reports a ListReports shows settled (none of them noted before). */
export function listOutcomeText(handled: ReportInfo[]): string {
  if (handled.length === 0) return '';
  if (handled.length === 1) return handledText(handled[0].state);
  const removed = handled.filter((r) => r.state === ReportState.ACTIONED).length;
  const kept = handled.length - removed;
  const parts = [];
  if (removed) parts.push(`${removed} ${removed === 1 ? 'was' : 'were'} removed`);
  if (kept) parts.push(`${kept} ${kept === 1 ? 'was' : 'were'} left as ${kept === 1 ? 'it is' : 'they are'}`);
  return `A facilitator has looked at ${handled.length} messages you reported here: ${parts.join(' and ')}.`;
}

/** On a message the student reported. */
export function reportedMark(r: ReportInfo): string {
  if (r.state === ReportState.ACTIONED) return 'Reported by you · removed by a facilitator';
  if (r.state === ReportState.DISMISSED) return 'Reported by you · a facilitator looked at it';
  return 'Reported by you';
}

/** A new report in the facilitator's queue, read out politely. */
export function newReportAnnouncement(r: ReportInfo): string {
  const who = r.message ? ` — ${r.message.sender.displayName}` : '';
  return `New report: ${categoryLabel(r.category)}${who}`;
}

/** A student's report the server refused: its own words when it has some, else ours by code. */
export function describeReportError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  switch (code) {
    case ErrorCode.RATE_LIMITED:
      return serverText || "You've reported a lot of messages here. A facilitator will look at those first; please try again later.";
    case ErrorCode.MESSAGE_NOT_FOUND:
      return serverText || "That message isn't in the room any more, so there is nothing to report.";
    case ErrorCode.INVALID_ARGUMENT:
      return serverText || "That message can't be reported (only other people's messages, with a note of up to 300 bytes).";
    case ErrorCode.FORBIDDEN:
      return serverText || 'Only students can report messages. Staff have the facilitator tools.';
    case ErrorCode.UNKNOWN_FRAME:
      return "This server doesn't support reports yet. You can tell your facilitator directly.";
    default:
      return describeError(code, retryAfterMs, serverText);
  }
}

/** A facilitator's report request (list, dismiss) the server refused. */
export function describeQueueError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  switch (code) {
    case ErrorCode.REPORT_NOT_FOUND:
      return "That report isn't open any more.";
    case ErrorCode.FORBIDDEN:
      return "That wasn't done: only this room's facilitators can handle its reports.";
    case ErrorCode.UNKNOWN_FRAME:
      return "This server doesn't support reports yet.";
    default:
      return `That wasn't done. ${describeError(code, retryAfterMs, serverText)}`;
  }
}

// ---- per-room state -------------------------------------------------------------------------

/** A student's report on its way from the dialog (one at a time). */
export interface ReportSend {
  seq: number;
  state: 'sending' | 'failed' | 'done';
  error: string;
}

export interface ReportNote {
  id: number;
  text: string;
}

export interface RoomReports {
  /** A student: their own reports here, by the reported message's seq. */
  mine: Record<number, ReportInfo>;
  /** A student: the report the dialog sent (null: none, or the dialog closed). */
  send: ReportSend | null;
  /** A student: the room's notice area (confirmations, outcomes), oldest first. */
  notes: ReportNote[];
  nextNoteId: number;
  /** Report ids whose outcome was already told (the push and a later list tell it once). */
  told: Record<string, true>;
  /** Staff: open reports, oldest first (null: not loaded). */
  queue: ReportInfo[] | null;
  queueError: string;
  /** Staff: HandleReport in flight, by report id. */
  handling: Record<string, true>;
}

export const noReports: RoomReports = {
  mine: {},
  send: null,
  notes: [],
  nextNoteId: 1,
  told: {},
  queue: null,
  queueError: '',
  handling: {},
};

function addNote(r: RoomReports, text: string): RoomReports {
  if (!text) return r;
  const notes = [...r.notes, { id: r.nextNoteId, text }].slice(-MAX_NOTES);
  return { ...r, notes, nextNoteId: r.nextNoteId + 1 };
}

function seqOf(x: ReportInfo): number {
  return x.message ? x.message.seq : 0;
}

/** The student sends a report from the dialog. */
export function startReport(r: RoomReports, seq: number): RoomReports {
  return { ...r, send: { seq, state: 'sending', error: '' } };
}

/**
 * A ReportAck (a duplicate too): the message is marked as reported by this student and the
 * confirmation goes to the notice area. The dialog that sent it (`seq`) sees it done.
 */
export function applyReportAck(r: RoomReports, seq: number, report: ReportInfo, confirmation: string): RoomReports {
  const at = seqOf(report) || seq;
  const old = r.mine[at];
  const mine = { ...r.mine, [at]: old && isHandled(old) && !isHandled(report) ? old : report };
  const send = r.send?.seq === seq ? { seq, state: 'done' as const, error: '' } : r.send;
  return addNote({ ...r, mine, send }, confirmation.trim() || REPORT_CONFIRMATION_FALLBACK);
}

/** An Error answered the report sent for `seq`; false `shown`: no dialog is waiting for it. */
export function applyReportError(r: RoomReports, seq: number, error: string): { state: RoomReports; shown: boolean } {
  if (r.send?.seq !== seq || r.send.state !== 'sending') return { state: r, shown: false };
  return { state: { ...r, send: { seq, state: 'failed', error } }, shown: true };
}

/** The dialog closed (sent, or cancelled: an answer still on its way lands all the same). */
export function closeReport(r: RoomReports): RoomReports {
  return r.send ? { ...r, send: null } : r;
}

/**
 * A ReportList for a student: their own reports here, newest first. Settled ones not told of
 * on this page yet make one short note.
 */
export function applyMyReports(r: RoomReports, list: ReportInfo[]): RoomReports {
  const mine: Record<number, ReportInfo> = {};
  for (const x of list) {
    const seq = seqOf(x);
    if (seq > 0 && !mine[seq]) mine[seq] = x;
  }
  const fresh = list.filter((x) => isHandled(x) && !r.told[x.reportId]);
  const told = { ...r.told };
  for (const x of fresh) told[x.reportId] = true;
  return addNote({ ...r, mine, told }, listOutcomeText(fresh));
}

/**
 * A ReportHandled as a student gets it: their report's outcome, with the server's notice (told
 * once per report). Staff: the report leaves the queue.
 */
export function applyHandledForStudent(r: RoomReports, report: ReportInfo, notice: string): RoomReports {
  const seq = seqOf(report);
  const mine = seq > 0 ? { ...r.mine, [seq]: report } : r.mine;
  if (r.told[report.reportId]) return { ...r, mine };
  const told = { ...r.told, [report.reportId]: true as const };
  return addNote({ ...r, mine, told }, notice.trim() || handledText(report.state));
}

/** The student dismisses a note. */
export function dismissNote(r: RoomReports, id: number): RoomReports {
  const notes = r.notes.filter((n) => n.id !== id);
  return notes.length === r.notes.length ? r : { ...r, notes };
}

function olderFirst(a: ReportInfo, b: ReportInfo): number {
  if (a.createdAtMs !== b.createdAtMs) return a.createdAtMs - b.createdAtMs;
  const x = a.reportId;
  const y = b.reportId;
  if (x.length !== y.length) return x.length - y.length; // decimal ids
  return x === y ? 0 : x < y ? -1 : 1;
}

/** A ReportList for staff: the room's open reports as the server has them now. */
export function applyQueue(r: RoomReports, list: ReportInfo[]): RoomReports {
  const seen = new Set<string>();
  const queue = list
    .filter((x) => !isHandled(x) && !seen.has(x.reportId) && seen.add(x.reportId))
    .sort(olderFirst);
  return { ...r, queue, queueError: '' };
}

/** A ReportFiled: `added` when it is new to the queue (read it out). */
export function applyFiled(r: RoomReports, report: ReportInfo): { state: RoomReports; added: boolean } {
  const list = r.queue ?? [];
  if (isHandled(report) || list.some((x) => x.reportId === report.reportId)) return { state: r, added: false };
  return { state: { ...r, queue: [...list, report].sort(olderFirst) }, added: true };
}

/** The report is settled or gone: it leaves the queue. */
export function dropReport(r: RoomReports, reportId: string): RoomReports {
  const handling = withoutKey(r.handling, reportId);
  if (!r.queue?.some((x) => x.reportId === reportId)) return handling === r.handling ? r : { ...r, handling };
  return { ...r, queue: r.queue.filter((x) => x.reportId !== reportId), handling };
}

/** A HandleReport went out for this report. */
export function startHandling(r: RoomReports, reportId: string): RoomReports {
  return { ...r, handling: { ...r.handling, [reportId]: true } };
}

/** A HandleReport was refused: its button comes back. */
export function handlingFailed(r: RoomReports, reportId: string): RoomReports {
  const handling = withoutKey(r.handling, reportId);
  return handling === r.handling ? r : { ...r, handling };
}

/** A report lost with its connection (nothing says whether it arrived). */
export const REPORT_LOST_TEXT = "The connection was lost, so we can't tell whether your report arrived. Please send it again.";

/** The connection dropped: nothing in flight will be answered. */
export function reportsDisconnected(r: RoomReports): RoomReports {
  const send = r.send?.state === 'sending' ? { ...r.send, state: 'failed' as const, error: REPORT_LOST_TEXT } : r.send;
  if (send === r.send && Object.keys(r.handling).length === 0) return r;
  return { ...r, send, handling: {} };
}

/** `rec` without `key` (the same object when it had none). */
function withoutKey<T>(rec: Record<string, T>, key: string): Record<string, T> {
  if (!(key in rec)) return rec;
  const { [key]: _gone, ...rest } = rec;
  return rest;
}
