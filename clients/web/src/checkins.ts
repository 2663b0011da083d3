// Check-in rounds and the participation view, per room: pure state and texts, no I/O. A
// facilitator starts a round; each student answers with a mood from 1 to 5 and one optional
// word, or passes. The room's facilitators see every answer as it comes; students see only how
// many have checked in, never who or what. The participation view is each member's share of
// the messages since the session opened, quietest first, so quiet students can be invited in.
//
// The wire mapping for these frames lives here rather than in proto.ts (which is at its size),
// as reports.ts does for Report.
import { ErrorCode, describeError, toMember } from './proto';
import type { Member } from './proto';
import { tooLongText } from './facilitation';
import type {
  CheckInAnswer as WireAnswer,
  CheckInRound as WireRound,
  Participation as WireParticipation,
} from './gen/circles/v1/circles_pb';

/** AnswerCheckIn.word: at most 32 bytes of UTF-8 and no spaces (the server checks the same). */
export const WORD_MAX_BYTES = 32;

type ToLocal = (serverMs: number) => number;
const same: ToLocal = (ms) => ms;

/** An open round (times in this browser's clock; 0 = not set). */
export interface RoundInfo {
  roomId: string;
  roundId: string;
  startedBy: Member | null;
  startedAtMs: number;
  /** Students who answered with a mood. */
  answered: number;
  /** Students who passed. */
  passed: number;
  /** In a JoinResult: this viewer has answered (or passed). */
  youAnswered: boolean;
}

/** One student's answer: a mood 1-5 and maybe a word, or a pass (mood 0). */
export interface AnswerInfo {
  roomId: string;
  roundId: string;
  member: Member;
  mood: number;
  word: string;
  passed: boolean;
  atMs: number;
}

export interface ParticipationRowInfo {
  member: Member;
  /** Messages in the window (held and removed ones count too). */
  messages: number;
  sharePercent: number;
  /** When they last spoke (0: not in the window). */
  lastSpokeMs: number;
  present: boolean;
}

export interface ParticipationInfo {
  roomId: string;
  /** The window's start. */
  sinceMs: number;
  /** As the server sends them: students first, quietest first. */
  rows: ParticipationRowInfo[];
  round: RoundInfo | null;
  answers: AnswerInfo[];
}

const local = (ms: bigint, toLocal: ToLocal) => (ms ? toLocal(Number(ms)) : 0);

export function toRound(w: WireRound, toLocal: ToLocal = same): RoundInfo {
  return {
    roomId: w.roomId.toString(),
    roundId: w.roundId.toString(),
    startedBy: w.startedBy ? toMember(w.startedBy) : null,
    startedAtMs: local(w.startedAtMs, toLocal),
    answered: w.answered,
    passed: w.passed,
    youAnswered: w.youAnswered,
  };
}

export function toAnswer(w: WireAnswer, toLocal: ToLocal = same): AnswerInfo {
  return {
    roomId: w.roomId.toString(),
    roundId: w.roundId.toString(),
    member: toMember(w.member),
    mood: w.passed ? 0 : w.mood,
    word: w.passed ? '' : w.word,
    passed: w.passed,
    atMs: local(w.atMs, toLocal),
  };
}

export function toParticipation(w: WireParticipation, toLocal: ToLocal = same): ParticipationInfo {
  return {
    roomId: w.roomId.toString(),
    sinceMs: local(w.sinceMs, toLocal),
    rows: w.members.map((r) => ({
      member: toMember(r.member),
      messages: r.messages,
      sharePercent: r.sharePercent,
      lastSpokeMs: local(r.lastSpokeMs, toLocal),
      present: r.present,
    })),
    round: w.round ? toRound(w.round, toLocal) : null,
    answers: w.answers.map((a) => toAnswer(a, toLocal)),
  };
}

// ---- the choices and their texts ------------------------------------------------------------

/** The moods a student may choose, in this order. */
export const MOODS: { mood: number; word: string }[] = [
  { mood: 1, word: 'very low' },
  { mood: 2, word: 'low' },
  { mood: 3, word: 'okay' },
  { mood: 4, word: 'good' },
  { mood: 5, word: 'great' },
];

/** "1 — very low" … "5 — great" (the number alone for one the client does not know). */
export function moodLabel(mood: number): string {
  const m = MOODS.find((x) => x.mood === mood);
  return m ? `${m.mood} — ${m.word}` : String(mood);
}

/** An answer as the facilitators read it: "2 — low · tired", "4 — good", or "passed". */
export function answerText(a: AnswerInfo): string {
  if (a.passed) return 'passed';
  return a.word ? `${moodLabel(a.mood)} · ${a.word}` : moodLabel(a.mood);
}

/** A new answer, read out in the console's live region. */
export function answerAnnouncement(a: AnswerInfo): string {
  return `Check-in from ${a.member.displayName}: ${answerText(a)}`;
}

/** A new round, read out in the console's live region. */
export function roundAnnouncement(r: RoundInfo): string {
  return r.startedBy ? `Check-in started by ${r.startedBy.displayName}.` : 'Check-in started.';
}

/** The facilitators' count. */
export function staffCountText(r: RoundInfo): string {
  return `Answered: ${r.answered} · Passed: ${r.passed}`;
}

/** What students see: how many, never who or what. A pass is a check-in too. */
export function studentCountText(r: RoundInfo): string {
  const n = r.answered + r.passed;
  return n === 1 ? '1 person has checked in' : `${n} people have checked in`;
}

export const CHECK_IN_QUESTION = 'How are you feeling?';
export const CHECK_IN_THANKS = 'Thanks for checking in.';
/** Read out to a student when a round opens in the room they are in. */
export const CHECK_IN_STARTED_TEXT = 'A check-in has started: how are you feeling? You can answer or pass, above the message box.';

export interface AnswerProblem {
  field: 'mood' | 'word';
  text: string;
}

/** What is wrong with an answer before it is sent, or null when it may go. */
export function answerProblem(mood: number, word: string): AnswerProblem | null {
  if (!MOODS.some((m) => m.mood === mood)) {
    return { field: 'mood', text: "Choose how you're feeling, from 1 to 5 — or press Pass." };
  }
  const w = word.trim();
  if (/\s/.test(w)) return { field: 'word', text: 'Use one word only, with no spaces.' };
  const long = tooLongText('word', w, WORD_MAX_BYTES);
  return long ? { field: 'word', text: long } : null;
}

/** "not yet" for someone who has not spoken in the window, else "N min ago". */
export function lastSpokeText(lastSpokeMs: number, now: number): string {
  if (!lastSpokeMs) return 'not yet';
  return `${Math.max(0, Math.floor((now - lastSpokeMs) / 60_000))} min ago`;
}

/** A student's answer the server refused: its own words when it has some, else ours by code. */
export function describeAnswerError(code: ErrorCode, retryAfterMs = 0, serverText = ''): string {
  switch (code) {
    case ErrorCode.INVALID_ARGUMENT:
      return serverText || "That check-in wasn't accepted: the round may have ended, or the word is too long or has spaces.";
    case ErrorCode.FORBIDDEN:
      return serverText || 'Only students answer check-ins. Staff see the answers in the facilitator tools.';
    case ErrorCode.UNKNOWN_FRAME:
      return "This server doesn't support check-ins yet.";
    default:
      return describeError(code, retryAfterMs, serverText);
  }
}

/** A facilitator's StartCheckIn or ListParticipation the server refused. */
export function describeStaffCheckInError(
  what: 'start' | 'participation',
  code: ErrorCode,
  retryAfterMs = 0,
  serverText = '',
): string {
  switch (code) {
    case ErrorCode.FORBIDDEN:
      return what === 'start'
        ? "That wasn't done: only this room's facilitators can start a check-in."
        : "Only this room's staff can see its participation.";
    case ErrorCode.UNKNOWN_FRAME:
      return what === 'start'
        ? "This server doesn't support check-ins yet."
        : "This server doesn't support the participation view yet.";
    default:
      return `That wasn't done. ${describeError(code, retryAfterMs, serverText)}`;
  }
}

/** An answer lost with its connection (nothing says whether it arrived). */
export const CHECK_IN_LOST_TEXT = "The connection was lost, so we can't tell whether your check-in arrived. Please send it again.";

// ---- per-room state -------------------------------------------------------------------------

export interface RoomCheckIn {
  /** The open round (null: none). */
  round: RoundInfo | null;
  /** Staff: the open round's answers, one per student, in the order they came. */
  answers: AnswerInfo[];
  /** A student: has answered (or passed) in the open round. */
  answered: boolean;
  /** A student: the AnswerCheckIn on its way. */
  sending: 'answer' | 'pass' | null;
  /** A student: why the answer was refused. Staff: why Start check-in was refused. */
  error: string;
  /** Staff: a StartCheckIn is on its way. */
  starting: boolean;
  /** Staff: the participation view (null: not loaded). */
  participation: ParticipationInfo | null;
  participationLoading: boolean;
  participationError: string;
}

export const noCheckIn: RoomCheckIn = {
  round: null,
  answers: [],
  answered: false,
  sending: null,
  error: '',
  starting: false,
  participation: null,
  participationLoading: false,
  participationError: '',
};

/** Round ids are decimal uint64s that grow: is `a` older than `b`? */
function olderId(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b;
}

/**
 * A CheckInRound (pushed, or the answer to StartCheckIn). A new round replaces the last one and
 * its answers; the same round again only updates the counts. An older round is ignored unless
 * `current` (a JoinResult's or a Participation's, which say what is open now).
 */
export function applyRound(c: RoomCheckIn, r: RoundInfo, current = false): { state: RoomCheckIn; fresh: boolean } {
  if (c.round?.roundId === r.roundId) {
    const answered = c.answered || r.youAnswered;
    return { state: { ...c, round: { ...r, youAnswered: answered }, answered }, fresh: false };
  }
  if (c.round && !current && olderId(r.roundId, c.round.roundId)) return { state: c, fresh: false };
  return { state: { ...c, round: r, answers: [], answered: r.youAnswered, sending: null, error: '' }, fresh: true };
}

/** A JoinResult: the round open now (null: none). */
export function applyJoinRound(c: RoomCheckIn, r: RoundInfo | null): RoomCheckIn {
  if (r) return applyRound(c, r, true).state;
  return c.round ? { ...c, round: null, answers: [], answered: false, sending: null } : c;
}

/** A CheckInCount: how many have answered and passed in round `roundId`. */
export function applyCount(c: RoomCheckIn, roundId: string, answered: number, passed: number): RoomCheckIn {
  if (!c.round || c.round.roundId !== roundId) return c;
  if (c.round.answered === answered && c.round.passed === passed) return c;
  return { ...c, round: { ...c.round, answered, passed } };
}

/** `list` with `a` in it: a student's newer answer replaces theirs in place. */
function withAnswer(list: AnswerInfo[], a: AnswerInfo): { list: AnswerInfo[]; fresh: boolean } {
  const i = list.findIndex((x) => x.member.userId === a.member.userId);
  if (i < 0) return { list: [...list, a], fresh: true };
  const old = list[i];
  if (old.atMs > a.atMs || (old.atMs === a.atMs && answerText(old) === answerText(a))) return { list, fresh: false };
  const next = list.slice();
  next[i] = a;
  return { list: next, fresh: true };
}

/**
 * A CheckInAnswer for the open round: for staff, one more (or a changed) answer, `fresh` when it
 * is news; `mine`, the answer to this student's own AnswerCheckIn.
 */
export function applyAnswer(c: RoomCheckIn, a: AnswerInfo, mine = false): { state: RoomCheckIn; fresh: boolean } {
  if (!c.round || c.round.roundId !== a.roundId) {
    // An answer to a round that has gone: nothing to show, but the form is not waiting any more.
    return { state: mine && c.sending ? { ...c, sending: null } : c, fresh: false };
  }
  const r = withAnswer(c.answers, a);
  const state = r.list === c.answers ? c : { ...c, answers: r.list };
  return { state: mine ? { ...state, answered: true, sending: null, error: '' } : state, fresh: r.fresh };
}

/** A Participation: the view, and the round open now with its answers (a reload gets them back). */
export function applyParticipation(c: RoomCheckIn, p: ParticipationInfo): RoomCheckIn {
  const base = { ...applyJoinRound(c, p.round), participation: p, participationLoading: false, participationError: '' };
  if (!base.round) return base;
  let answers = base.answers;
  for (const a of p.answers) if (a.roundId === base.round.roundId) answers = withAnswer(answers, a).list;
  return { ...base, answers };
}

export function startingRound(c: RoomCheckIn): RoomCheckIn {
  return { ...c, starting: true, error: '' };
}

/** The answer to StartCheckIn came (the round itself goes through applyRound). */
export function roundStarted(c: RoomCheckIn): RoomCheckIn {
  return c.starting ? { ...c, starting: false } : c;
}

export function startFailed(c: RoomCheckIn, error: string): RoomCheckIn {
  return { ...c, starting: false, error };
}

export function sendingAnswer(c: RoomCheckIn, kind: 'answer' | 'pass'): RoomCheckIn {
  return { ...c, sending: kind, error: '' };
}

export function answerFailed(c: RoomCheckIn, error: string): RoomCheckIn {
  return { ...c, sending: null, error };
}

export function loadingParticipation(c: RoomCheckIn): RoomCheckIn {
  return { ...c, participationLoading: true, participationError: '' };
}

export function participationFailed(c: RoomCheckIn, error: string): RoomCheckIn {
  return { ...c, participationLoading: false, participationError: error };
}

/** The connection dropped: nothing in flight will be answered. */
export function checkInsDisconnected(c: RoomCheckIn): RoomCheckIn {
  if (!c.sending && !c.starting && !c.participationLoading) return c;
  return {
    ...c,
    sending: null,
    error: c.sending ? CHECK_IN_LOST_TEXT : c.error,
    starting: false,
    participationLoading: false,
  };
}
