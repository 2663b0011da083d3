// A counselor's open case, pure: the CaseFile off the wire, the outcome choices and texts, what
// a case allows in each state, and how the view's state moves (answers, refusals, the name).
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  CASE_LOST_TEXT,
  CASE_OUTCOMES,
  CaseOutcome,
  applyCaseFile,
  applyRevealed,
  byWhenText,
  canReveal,
  canTake,
  caseDisconnected,
  caseFailed,
  counselorPresent,
  currentEscalation,
  describeCaseError,
  forgetName,
  isResolved,
  noteProblem,
  openCase,
  outcomeLabel,
  realNameText,
  startReveal,
  startUpdate,
  toCaseFile,
  updating,
} from './cases';
import { CaseFileSchema } from './gen/circles/v1/circles_pb';
import { ErrorCode, EscalationState, MessageStatus, Role } from './proto';
import { blueHeron as heron, mrOkafor as okafor, msRivera as rivera, plainCaseFile, plainEscalation } from './testing/fixtures';
import { fox, okafor as wireOkafor, wireEscalation, wireMsg } from './testing/fakeSocket';

const T0 = Date.UTC(2026, 10, 27, 20, 0);
const MIN = 60_000;
const esc = (id: string, state = EscalationState.OPEN) => plainEscalation(id, T0, { state });

describe('a CaseFile off the wire', () => {
  const wire = (extra: Record<string, unknown> = {}) =>
    create(CaseFileSchema, {
      escalation: wireEscalation(41n, T0 + MIN, {
        state: EscalationState.RESOLVED,
        context: [wireMsg(3), wireMsg(4, fox, MessageStatus.REMOVED, '')],
        outcome: CaseOutcome.REFERRED,
        resolvedAtMs: BigInt(T0 + 9 * MIN),
      }),
      notes: [
        { noteId: 2n, author: wireOkafor, atMs: BigInt(T0 + 5 * MIN), text: 'Called home.' },
        { noteId: 1n, author: wireOkafor, atMs: BigInt(T0 + 3 * MIN), text: 'Met Blue Heron.' },
      ],
      takenBy: wireOkafor,
      takenAtMs: BigInt(T0 + 2 * MIN),
      ...extra,
    });

  it('maps notes oldest first, the context, who and when, in this browser’s clock', () => {
    const f = toCaseFile(wire(), (ms) => ms - MIN);
    expect(f.escalation).toMatchObject({ escalationId: '41', state: EscalationState.RESOLVED, createdAtMs: T0 });
    expect(f.notes.map((n) => [n.noteId, n.text, n.atMs, n.author.displayName])).toEqual([
      ['1', 'Met Blue Heron.', T0 + 2 * MIN, 'Mr. Okafor'],
      ['2', 'Called home.', T0 + 4 * MIN, 'Mr. Okafor'],
    ]);
    expect(f.context.map((m) => [m.seq, m.text])).toEqual([
      [3, 'm3'],
      [4, ''],
    ]);
    expect(f.takenBy?.displayName).toBe('Mr. Okafor');
    expect(f.takenAtMs).toBe(T0 + MIN);
    expect(f.acknowledgedBy).toBeNull();
    expect(f.resolvedBy).toBeNull();
    // Not in the CaseFile itself: the escalation's own outcome and resolution time stand in.
    expect(f.outcome).toBe(CaseOutcome.REFERRED);
    expect(f.resolvedAtMs).toBe(T0 + 8 * MIN);
  });

  it('the CaseFile’s own outcome and time come first', () => {
    const f = toCaseFile(wire({ outcome: CaseOutcome.NO_CONCERN, resolvedAtMs: BigInt(T0 + 20 * MIN) }));
    expect(f.outcome).toBe(CaseOutcome.NO_CONCERN);
    expect(f.resolvedAtMs).toBe(T0 + 20 * MIN);
  });
});

describe('the texts', () => {
  it('offers the five outcomes in order, in words', () => {
    expect(CASE_OUTCOMES.map((o) => o.label)).toEqual([
      'Supported in school',
      'Referred to outside services',
      'Parent or guardian contacted',
      'Emergency services called',
      'No concern found',
    ]);
    expect(CASE_OUTCOMES.map((o) => o.outcome)).toEqual([1, 2, 3, 4, 5]);
    expect(outcomeLabel(CaseOutcome.GUARDIAN_CONTACTED)).toBe('Parent or guardian contacted');
    expect(outcomeLabel(CaseOutcome.UNSPECIFIED)).toBe('');
  });

  it('checks a note as UTF-8 bytes, at most 4000', () => {
    expect(noteProblem('   ', true)).toBe('Write the note first.');
    expect(noteProblem('', false)).toBeNull();
    expect(noteProblem('a'.repeat(4000), true)).toBeNull();
    expect(noteProblem(`  ${'a'.repeat(4000)}  `, true)).toBeNull(); // trimmed first
    expect(noteProblem('é'.repeat(2001), true)).toMatch(/at most 4000 bytes \(it is 4002;/);
  });

  it('refusals: the server’s words first, ours when it sent none', () => {
    for (const code of [ErrorCode.FORBIDDEN, ErrorCode.INVALID_ARGUMENT, ErrorCode.ESCALATION_NOT_FOUND, ErrorCode.INTERNAL]) {
      expect(describeCaseError(code, 0, 'the server says why')).toBe('the server says why');
      expect(describeCaseError(code)).not.toBe('');
    }
    expect(describeCaseError(ErrorCode.ESCALATION_NOT_FOUND)).toBe("That case isn't there any more.");
    expect(describeCaseError(ErrorCode.UNKNOWN_FRAME, 0, 'unknown frame 31')).toBe(
      "This server doesn't support case handling yet.",
    );
  });

  it('says who and when, and the name or that there is none', () => {
    expect(byWhenText(okafor, okafor, '3:14 PM')).toBe('Mr. Okafor (you) at 3:14 PM');
    expect(byWhenText(rivera, okafor, '')).toBe('Ms. Rivera');
    expect(byWhenText(null, okafor, '3:14 PM')).toBe('at 3:14 PM');
    expect(byWhenText(null, okafor, '')).toBe('');
    expect(realNameText(' Alex Smith ')).toBe('Real name: Alex Smith');
    expect(realNameText('')).toBe('No real name on record');
  });
});

describe('what a case allows', () => {
  it('take while open or acknowledged; the name once someone works it; resolved is final', () => {
    const rows = [EscalationState.OPEN, EscalationState.ACKNOWLEDGED, EscalationState.IN_PROGRESS, EscalationState.RESOLVED].map(
      (st) => [canTake(esc('41', st)), canReveal(esc('41', st)), isResolved(esc('41', st))],
    );
    expect(rows).toEqual([
      [true, false, false],
      [true, true, false],
      [false, true, false],
      [false, true, true],
    ]);
  });

  it('the case file’s escalation, moved on by newer news from the dashboard', () => {
    const file = plainCaseFile(esc('41', EscalationState.ACKNOWLEDGED));
    const taken = { ...esc('41', EscalationState.IN_PROGRESS), text: '' };
    expect(currentEscalation(file, taken)).toMatchObject({ state: EscalationState.IN_PROGRESS, text: 'i want to kill myself' });
    expect(currentEscalation(file, esc('41'))?.state).toBe(EscalationState.ACKNOWLEDGED); // older: ignored
    expect(currentEscalation(file, null)).toBe(file.escalation);
    expect(currentEscalation(null, taken)).toBe(taken);
  });

  it('a counselor present is someone else with that role', () => {
    const counselor = { ...okafor, role: Role.COUNSELOR };
    expect(counselorPresent([heron, counselor], heron)).toBe(true);
    expect(counselorPresent([heron, rivera], heron)).toBe(false);
    expect(counselorPresent([counselor], counselor)).toBe(false);
  });
});

describe('the open case', () => {
  const file = plainCaseFile(esc('41', EscalationState.ACKNOWLEDGED));

  it('loads, then each answer replaces the file; only the action it answers is done', () => {
    let c = openCase('41');
    expect(c).toMatchObject({ escalationId: '41', loading: true, file: null });
    c = applyCaseFile(c, file);
    expect(c).toMatchObject({ loading: false, file, update: null });
    c = startUpdate(c, 'note');
    expect(updating(c)).toBe(true);
    const next = plainCaseFile(file.escalation, { notes: [{ noteId: '1', author: okafor, atMs: T0, text: 'Met.' }] });
    expect(applyCaseFile(c, next, 'take').update).toEqual({ action: 'note', state: 'sending' });
    c = applyCaseFile(c, next, 'note');
    expect(c.update).toEqual({ action: 'note', state: 'done' });
    expect(c.file?.notes).toHaveLength(1);
    // Another case's file (opened before this one) passes by.
    expect(applyCaseFile(c, plainCaseFile(esc('42')), 'note')).toBe(c);
  });

  it('a refusal: its words, and the action failed', () => {
    let c = startUpdate(applyCaseFile(openCase('41'), file), 'resolve');
    c = caseFailed(c, 'resolve', 'A resolved case cannot change state.');
    expect(c).toMatchObject({ update: { action: 'resolve', state: 'failed' }, error: 'A resolved case cannot change state.' });
    expect(startUpdate(c, 'note').error).toBe('');
    expect(caseFailed(openCase('41'), 'get', 'No such case.')).toMatchObject({ loading: false, error: 'No such case.' });
  });

  it('the real name: only for this case once asked, forgotten out of sight', () => {
    let c = applyCaseFile(openCase('41'), file);
    expect(applyRevealed(c, '41', 'Alex Smith')).toBe(c); // never asked
    c = startReveal(c);
    expect(applyRevealed(c, '42', 'Someone Else')).toBe(c);
    c = applyRevealed(c, '41', 'Alex Smith');
    expect(c.reveal).toEqual({ state: 'shown', realName: 'Alex Smith' });
    expect(forgetName(c).reveal).toBeNull();
    expect(caseFailed(startReveal(c), 'reveal', 'Not yours.').reveal).toBeNull();
  });

  it('a dropped connection fails what was in flight and says so', () => {
    const c = startReveal(startUpdate(applyCaseFile(openCase('41'), file), 'take'));
    const d = caseDisconnected(c);
    expect(d).toMatchObject({ update: { action: 'take', state: 'failed' }, reveal: null, error: CASE_LOST_TEXT });
    const idle = applyCaseFile(openCase('41'), file);
    expect(caseDisconnected(idle)).toBe(idle);
  });
});
