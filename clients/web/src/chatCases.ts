// The controller's part for counselor case handling: the open case (GetCase when a case is
// opened, UpdateCase to take, note or resolve it, RevealIdentity) and where CaseFile,
// IdentityRevealed and their errors land; and, for a room's facilitators, the pushed
// CaseResolved. It works through the narrow `CaseHost` that ChatClient hands it, so chat.ts
// only routes frames here; the state and texts are in cases.ts.
import * as cases from './cases';
import type { CaseAction, CaseOutcome, OpenCase } from './cases';
import type { ClientBody, EscalationInfo, Member, ServerFrame, WireError } from './proto';
import { EscalationState, Role } from './proto';

export type CasePending =
  | { kind: 'getCase'; escalationId: string }
  | { kind: 'updateCase'; escalationId: string; action: CaseAction }
  | { kind: 'revealIdentity'; escalationId: string };

export type CaseFrame = Extract<ServerFrame['body'], { case: 'caseFile' | 'caseResolved' | 'identityRevealed' }>;

export function isCaseRequest(p: { kind: string } | undefined): p is CasePending {
  return p?.kind === 'getCase' || p?.kind === 'updateCase' || p?.kind === 'revealIdentity';
}

/** What ChatClient lends this part. */
export interface CaseHost {
  me(): Member | null;
  openCase(): OpenCase | null;
  setOpenCase(c: OpenCase | null): void;
  /** Sends; null when offline. */
  request(p: CasePending, body: ClientBody): bigint | null;
  /** The dashboard's copy of an escalation (a case file's is the newest there is). */
  upsertEscalation(e: EscalationInfo): void;
  /** The facilitator console's polite live region. */
  staffSay(roomId: string, text: string): void;
  alert(text: string): void;
  /** A server time (Unix ms) in this browser's clock. */
  toLocal(serverMs: number): number;
}

export class ChatCases {
  constructor(private readonly host: CaseHost) {}

  private counselor(): boolean {
    return this.host.me()?.role === Role.COUNSELOR;
  }

  /** The open case through `f` (nothing when no case is open). */
  private patch(f: (c: OpenCase) => OpenCase): void {
    const c = this.host.openCase();
    if (!c) return;
    const next = f(c);
    if (next !== c) this.host.setOpenCase(next);
  }

  /** A counselor opens a case: GetCase (recorded by the server). The same case again: nothing. */
  open(escalationId: string): void {
    if (!this.counselor() || this.host.openCase()?.escalationId === escalationId) return;
    this.host.setOpenCase(cases.openCase(escalationId));
    this.get(escalationId);
  }

  /** Offline, the case stays loading and `reconnected` asks for it. */
  private get(escalationId: string): void {
    this.host.request({ kind: 'getCase', escalationId }, { case: 'getCase', value: { escalationId: BigInt(escalationId) } });
  }

  /** The case view closed: the case, and the name if it was shown, are forgotten. */
  close(): void {
    if (this.host.openCase()) this.host.setOpenCase(null);
  }

  /** The case view is out of sight (the counselor went to observe the room). */
  forgetName(): void {
    this.patch(cases.forgetName);
  }

  /** "Take this case": IN_PROGRESS (from OPEN the server acknowledges it too). */
  take(): void {
    const problem = this.send('take', EscalationState.IN_PROGRESS, 0, '');
    if (problem) this.patch((c) => ({ ...c, error: problem }));
  }

  /** A note alone; returns why it was not sent, or null once it is on its way. */
  addNote(note: string): string | null {
    return cases.noteProblem(note, true) ?? this.send('note', EscalationState.UNSPECIFIED, 0, note);
  }

  /** Resolve with an outcome and an optional note. */
  resolve(outcome: CaseOutcome, note: string): string | null {
    if (!cases.CASE_OUTCOMES.some((o) => o.outcome === outcome)) return 'Choose an outcome.';
    return cases.noteProblem(note, false) ?? this.send('resolve', EscalationState.RESOLVED, outcome, note);
  }

  private send(action: CaseAction, state: EscalationState, outcome: CaseOutcome, note: string): string | null {
    const c = this.host.openCase();
    if (!c || !this.counselor()) return 'Open the case first.';
    if (cases.updating(c)) return 'Still saving the last change. Please wait a moment.';
    const escalationId = c.escalationId;
    const id = this.host.request(
      { kind: 'updateCase', escalationId, action },
      { case: 'updateCase', value: { escalationId: BigInt(escalationId), state, outcome, note: note.trim() } },
    );
    if (id === null) return cases.CASE_OFFLINE_TEXT;
    this.host.setOpenCase(cases.startUpdate(c, action));
    return null;
  }

  /** RevealIdentity, after the counselor confirmed (a refusal shows in the case's alert). */
  reveal(): void {
    const c = this.host.openCase();
    if (!c || !this.counselor() || c.reveal) return;
    const escalationId = c.escalationId;
    const id = this.host.request(
      { kind: 'revealIdentity', escalationId },
      { case: 'revealIdentity', value: { escalationId: BigInt(escalationId) } },
    );
    this.host.setOpenCase(id === null ? { ...c, error: cases.CASE_OFFLINE_TEXT } : cases.startReveal(c));
  }

  onFrame(b: CaseFrame, req: CasePending | undefined): void {
    switch (b.case) {
      case 'caseFile': {
        if (!this.counselor() || !b.value.escalation) return;
        const file = cases.toCaseFile(b.value, (ms) => this.host.toLocal(ms));
        this.host.upsertEscalation(file.escalation);
        const action = req?.kind === 'updateCase' ? req.action : undefined;
        this.patch((c) => cases.applyCaseFile(c, file, action));
        return;
      }
      case 'identityRevealed': {
        const escalationId = b.value.escalationId.toString();
        this.patch((c) => cases.applyRevealed(c, escalationId, b.value.realName));
        return;
      }
      case 'caseResolved': {
        // The room's facilitators are told that it was followed up; the frame holds nothing more.
        if (this.host.me()?.role !== Role.FACILITATOR) return;
        this.host.staffSay(b.value.roomId.toString(), b.value.notice.trim() || cases.CASE_RESOLVED_FALLBACK);
        return;
      }
    }
  }

  onError(e: WireError, req: CasePending): void {
    const text = cases.describeCaseError(e.code, Number(e.retryAfterMs), e.message);
    const c = this.host.openCase();
    if (!c || c.escalationId !== req.escalationId) {
      // The view has gone: a note or a change that was not saved must still be said.
      if (req.kind === 'updateCase') this.host.alert(text);
      return;
    }
    const what = req.kind === 'getCase' ? 'get' : req.kind === 'revealIdentity' ? 'reveal' : req.action;
    this.host.setOpenCase(cases.caseFailed(c, what, text));
  }

  disconnected(): void {
    this.patch(cases.caseDisconnected);
  }

  /** A new connection: a case whose GetCase was never answered asks again. */
  reconnected(): void {
    const c = this.host.openCase();
    if (c && c.loading && this.counselor()) this.get(c.escalationId);
  }
}
