// Test support (never bundled): plain client-side objects of Lunch Bunch (room 7), as the
// store and the components hold them after proto.ts / reports.ts / cases.ts / checkins.ts
// mapped them.
import { CaseOutcome } from '../cases';
import type { CaseFileInfo } from '../cases';
import type { AnswerInfo, RoundInfo } from '../checkins';
import { EscalationSource, EscalationState, MessageStatus, ReportCategory, ReportState, Role } from '../proto';
import type { ChatMessage, EscalationInfo, Member, RoomInfo } from '../proto';
import type { ReportInfo } from '../reports';

export const lunch: RoomInfo = { roomId: '7', name: 'Lunch Bunch', kind: 'social_group', epoch: 1n, lastSeq: 9 };
export const blueHeron: Member = { userId: '1', displayName: 'Blue Heron', role: Role.STUDENT };
export const quietFox: Member = { userId: '2', displayName: 'Quiet Fox', role: Role.STUDENT };
export const msRivera: Member = { userId: '6', displayName: 'Ms. Rivera', role: Role.FACILITATOR };
export const mrOkafor: Member = { userId: '8', displayName: 'Mr. Okafor', role: Role.COUNSELOR };

/** Message `seq` of room 7, by Quiet Fox unless said otherwise. */
export function plainMsg(seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    roomId: '7',
    seq,
    epoch: 1n,
    sender: quietFox,
    text: `m${seq}`,
    sentAtMs: 1000,
    clientMsgId: '',
    status: MessageStatus.VISIBLE,
    ...extra,
  };
}

/** Report `id` of message `seq` (an open UNKIND one unless said otherwise). */
export function plainReport(id: number, seq: number, extra: Partial<ReportInfo> = {}): ReportInfo {
  return {
    reportId: String(id),
    roomId: '7',
    message: plainMsg(seq),
    category: ReportCategory.UNKIND,
    note: '',
    createdAtMs: 1000 + id,
    state: ReportState.OPEN,
    handledAtMs: 0,
    escalationId: '',
    ...extra,
  };
}

/** Open escalation `id` about Blue Heron's message in room 7, made at `atMs`, re-paged 5 min on. */
export function plainEscalation(id: string, atMs: number, extra: Partial<EscalationInfo> = {}): EscalationInfo {
  return {
    escalationId: id,
    roomId: '7',
    roomName: 'Lunch Bunch',
    categories: ['self_harm'],
    source: EscalationSource.RISK_RULE,
    createdAtMs: atMs,
    deadlineMs: atMs + 5 * 60_000,
    pageLevel: 0,
    state: EscalationState.OPEN,
    acknowledgedBy: '',
    acknowledgedAtMs: 0,
    text: 'i want to kill myself',
    sender: blueHeron,
    ...extra,
  };
}

/** The case file of escalation `e`: no notes, nobody has moved it on yet. */
export function plainCaseFile(e: EscalationInfo, extra: Partial<CaseFileInfo> = {}): CaseFileInfo {
  return {
    escalation: e,
    context: [],
    notes: [],
    acknowledgedBy: null,
    takenBy: null,
    takenAtMs: 0,
    resolvedBy: null,
    resolvedAtMs: 0,
    outcome: CaseOutcome.UNSPECIFIED,
    ...extra,
  };
}

/** Check-in round `id` of room 7, started by Ms. Rivera at `atMs`, nobody answered yet. */
export function plainRound(id: string, atMs = 0, extra: Partial<RoundInfo> = {}): RoundInfo {
  return { roomId: '7', roundId: id, startedBy: msRivera, startedAtMs: atMs, answered: 0, passed: 0, youAnswered: false, ...extra };
}

/** `member`'s answer in round `roundId`: `mood` (0: a pass) and `word`, at `atMs`. */
export function plainAnswer(roundId: string, member: Member, mood: number, word = '', atMs = 1000): AnswerInfo {
  return { roomId: '7', roundId, member, mood, word, passed: mood === 0, atMs };
}
