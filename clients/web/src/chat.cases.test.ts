// The controller's case handling over a fake WebSocket: a counselor's GetCase, UpdateCase (take,
// note, resolve) and RevealIdentity and where their answers and refusals land; observing a
// case's room; and, for the room's people, a counselor's presence and a pushed CaseResolved.
import { describe, expect, it, vi } from 'vitest';
import type { ChatClient } from './chat';
import { CASE_LOST_TEXT, CaseOutcome, counselorPresent, currentEscalation } from './cases';
import { ErrorCode, EscalationState, Role } from './proto';
import {
  answerLists,
  connect,
  event,
  helloCounselor,
  join,
  last,
  newCounselor,
  okafor,
  room,
  sockets,
  wireEscalation,
  withFakeClock,
} from './testing/fakeSocket';
import type { EscInit } from './testing/fakeSocket';

const NOW = Date.UTC(2026, 10, 27, 20, 0);
const MIN = 60_000;

const wireEsc = (id: bigint, extra: Partial<EscInit> = {}) => wireEscalation(id, NOW, extra);
const acknowledged = (id: bigint) => wireEsc(id, { state: EscalationState.ACKNOWLEDGED, acknowledgedBy: 8n, acknowledgedAtMs: BigInt(NOW) });

/** A CaseFile of escalation 41 in `state`, with `notes` ("n1", "n2", … by Mr. Okafor). */
function caseFile(state = EscalationState.ACKNOWLEDGED, notes: string[] = [], extra: Record<string, unknown> = {}) {
  return {
    escalation: wireEsc(41n, { state, acknowledgedBy: 8n, acknowledgedAtMs: BigInt(NOW) }),
    notes: notes.map((text, i) => ({ noteId: BigInt(i + 1), author: okafor, atMs: BigInt(NOW + i * MIN), text })),
    acknowledgedBy: okafor,
    ...extra,
  };
}

/** Mr. Okafor with 41 acknowledged on his dashboard, its case opened and answered. */
function withCase(state = EscalationState.ACKNOWLEDGED): ChatClient {
  const c = newCounselor(NOW);
  answerLists([], [acknowledged(41n)]);
  c.cases.open('41');
  event({ case: 'caseFile', value: caseFile(state) }, last().lastId('getCase'));
  return c;
}

const updates = () => last().frames('updateCase').map((f) => f.body.value);

withFakeClock(NOW);

describe('a counselor’s case', () => {
  it('opening it sends GetCase once; the CaseFile fills the view and the dashboard', () => {
    const c = newCounselor(NOW);
    answerLists([wireEsc(41n)]);
    c.cases.open('41');
    c.cases.open('41'); // the same case again: no second read
    expect(last().frames('getCase').map((f) => f.body.value.escalationId)).toEqual([41n]);
    expect(c.state.openCase).toMatchObject({ escalationId: '41', loading: true, file: null });
    event({ case: 'caseFile', value: caseFile(EscalationState.ACKNOWLEDGED, ['Met her.']) }, last().lastId('getCase'));
    expect(c.state.openCase?.file?.notes.map((n) => n.text)).toEqual(['Met her.']);
    expect(c.state.openCase?.loading).toBe(false);
    expect(c.state.escalations.items['41'].state).toBe(EscalationState.ACKNOWLEDGED);
    c.cases.close();
    expect(c.state.openCase).toBeNull();
    c.stop();
  });

  it('Take this case: UpdateCase IN_PROGRESS; the answer replaces the file', () => {
    const c = withCase();
    c.cases.take();
    c.cases.take(); // waiting for the answer: nothing more goes out
    expect(updates()).toMatchObject([{ escalationId: 41n, state: EscalationState.IN_PROGRESS, outcome: 0, note: '' }]);
    expect(c.state.openCase?.update).toEqual({ action: 'take', state: 'sending' });
    event(
      { case: 'caseFile', value: caseFile(EscalationState.IN_PROGRESS, [], { takenBy: okafor, takenAtMs: BigInt(NOW + MIN) }) },
      last().lastId('updateCase'),
    );
    expect(c.state.openCase?.update).toEqual({ action: 'take', state: 'done' });
    expect(c.state.openCase?.file?.takenAtMs).toBe(NOW + MIN);
    expect(c.state.escalations.items['41'].state).toBe(EscalationState.IN_PROGRESS);
    c.stop();
  });

  it('Add note: a note alone, trimmed; an empty or too long one is not sent', () => {
    const c = withCase();
    expect(c.cases.addNote('   ')).toBe('Write the note first.');
    expect(c.cases.addNote('é'.repeat(2001))).toMatch(/at most 4000 bytes/);
    expect(c.cases.addNote('  Met Blue Heron at lunch.\n')).toBeNull();
    expect(updates()).toMatchObject([{ state: EscalationState.UNSPECIFIED, note: 'Met Blue Heron at lunch.' }]);
    event({ case: 'caseFile', value: caseFile(EscalationState.ACKNOWLEDGED, ['Met Blue Heron at lunch.']) }, last().lastId('updateCase'));
    expect(c.state.openCase?.update).toEqual({ action: 'note', state: 'done' });
    expect(c.state.openCase?.file?.notes.map((n) => n.author.displayName)).toEqual(['Mr. Okafor']);
    c.stop();
  });

  it('Resolve: RESOLVED with the outcome and the note; without an outcome nothing goes', () => {
    const c = withCase(EscalationState.IN_PROGRESS);
    expect(c.cases.resolve(CaseOutcome.UNSPECIFIED, '')).toBe('Choose an outcome.');
    expect(c.cases.resolve(CaseOutcome.REFERRED, 'Referred to the clinic.')).toBeNull();
    expect(updates()).toMatchObject([
      { state: EscalationState.RESOLVED, outcome: CaseOutcome.REFERRED, note: 'Referred to the clinic.' },
    ]);
    event(
      {
        case: 'caseFile',
        value: caseFile(EscalationState.RESOLVED, ['Referred to the clinic.'], {
          resolvedBy: okafor,
          resolvedAtMs: BigInt(NOW + 2 * MIN),
          outcome: CaseOutcome.REFERRED,
        }),
      },
      last().lastId('updateCase'),
    );
    expect(c.state.openCase?.file).toMatchObject({ outcome: CaseOutcome.REFERRED, resolvedAtMs: NOW + 2 * MIN });
    expect(c.state.escalations.items['41'].state).toBe(EscalationState.RESOLVED);
    c.stop();
  });

  it('a refusal shows the server’s words; after the view has gone, an unsaved note is still said', () => {
    const c = withCase(EscalationState.RESOLVED);
    c.cases.take();
    event({ case: 'error', value: { code: ErrorCode.INVALID_ARGUMENT, message: 'This case is resolved.' } }, last().lastId('updateCase'));
    expect(c.state.openCase).toMatchObject({ error: 'This case is resolved.', update: { action: 'take', state: 'failed' } });
    c.cases.addNote('One more thing.');
    c.cases.close();
    event({ case: 'error', value: { code: ErrorCode.INTERNAL, message: 'Could not seal the note.' } }, last().lastId('updateCase'));
    expect(c.state.alert?.text).toBe('Could not seal the note.');
    c.stop();
  });

  it('GetCase refused: the view says why', () => {
    const c = newCounselor(NOW);
    c.cases.open('99');
    event({ case: 'error', value: { code: ErrorCode.ESCALATION_NOT_FOUND } }, last().lastId('getCase'));
    expect(c.state.openCase).toMatchObject({ loading: false, error: "That case isn't there any more." });
    c.stop();
  });

  it('the real name: RevealIdentity, shown in the case only, forgotten when it closes', () => {
    const c = withCase();
    c.cases.reveal();
    expect(last().frames('revealIdentity').map((f) => f.body.value.escalationId)).toEqual([41n]);
    event(
      { case: 'identityRevealed', value: { escalationId: 41n, student: { userId: 1n, displayName: 'Blue Heron' }, realName: 'Alex Smith' } },
      last().lastId('revealIdentity'),
    );
    expect(c.state.openCase?.reveal).toEqual({ state: 'shown', realName: 'Alex Smith' });
    expect(JSON.stringify(c.state.escalations)).not.toContain('Alex Smith');
    c.cases.close();
    expect(JSON.stringify(c.state)).not.toContain('Alex Smith');
    c.stop();
  });

  it('an answer for a case no longer open is dropped; a refused reveal says why', () => {
    const c = withCase();
    c.cases.reveal();
    const id = last().lastId('revealIdentity');
    c.cases.close();
    c.cases.open('41');
    event({ case: 'identityRevealed', value: { escalationId: 41n, realName: 'Alex Smith' } }, id);
    expect(c.state.openCase?.reveal).toBeNull();
    event({ case: 'caseFile', value: caseFile() }, last().lastId('getCase'));
    c.cases.reveal();
    event({ case: 'error', value: { code: ErrorCode.FORBIDDEN, message: 'Acknowledge it first.' } }, last().lastId('revealIdentity'));
    expect(c.state.openCase).toMatchObject({ reveal: null, error: 'Acknowledge it first.' });
    c.stop();
  });

  it('an EscalationEvent for the open case moves its state on', () => {
    const c = withCase();
    event({ case: 'escalation', value: { escalation: wireEsc(41n, { state: EscalationState.IN_PROGRESS, acknowledgedBy: 9n }) } });
    const shown = currentEscalation(c.state.openCase?.file ?? null, c.state.escalations.items['41']);
    expect(shown?.state).toBe(EscalationState.IN_PROGRESS);
    c.stop();
  });

  it('a lost connection fails what was in flight; an unanswered GetCase is asked again', async () => {
    const c = withCase();
    c.cases.take();
    last().drop();
    expect(c.state.openCase).toMatchObject({ update: { state: 'failed' }, error: CASE_LOST_TEXT });
    c.cases.close();
    c.cases.open('42');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(sockets).toHaveLength(2);
    helloCounselor(NOW);
    expect(last().frames('getCase').map((f) => f.body.value.escalationId)).toEqual([42n]);
    c.stop();
  });

  it('anyone else opens no case', () => {
    const c = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    c.cases.open('41');
    expect(last().frames('getCase')).toEqual([]);
    expect(c.state.openCase).toBeNull();
    c.stop();
  });
});

describe('observing the room', () => {
  it('joins the case’s room read-only; Stop observing leaves it and the case is still open', () => {
    const c = withCase();
    c.cases.reveal();
    event({ case: 'identityRevealed', value: { escalationId: 41n, realName: 'Alex Smith' } }, last().lastId('revealIdentity'));
    c.observeRoom('7', 'Lunch Bunch');
    expect(last().frames('join').map((f) => f.body.value.roomId)).toEqual([7n]);
    expect(c.state).toMatchObject({ openRoomId: '7', observing: '7' });
    expect(c.state.openCase?.reveal).toBeNull(); // the case view is out of sight
    expect(room(c).room.name).toBe('Lunch Bunch');
    event({ case: 'joined', value: { room: { roomId: 7n, name: 'Lunch Bunch', epoch: 1n, lastSeq: 0n } } }, last().lastId('join'));
    expect(room(c).joined).toBe(true);
    c.openRoom(null);
    expect(last().frames('leave').map((f) => f.body.value.roomId)).toEqual([7n]);
    expect(c.state).toMatchObject({ openRoomId: null, observing: null });
    expect(c.state.openCase?.escalationId).toBe('41');
    c.stop();
  });

  it('a server that refuses: back to the case, saying why', () => {
    const c = withCase();
    c.observeRoom('7', 'Lunch Bunch');
    event({ case: 'error', value: { code: ErrorCode.NOT_A_MEMBER } }, last().lastId('join'));
    expect(c.state).toMatchObject({ openRoomId: null, observing: null });
    expect(c.state.screenNotice?.text).toMatch(/^You can't observe Lunch Bunch\./);
    expect(c.state.roomStates['7']).toBeUndefined();
    c.stop();
  });

  it('only counselors observe', () => {
    const c = connect(Role.STUDENT, 'Blue Heron', 1n);
    c.observeRoom('9', 'Another room');
    expect(last().frames('join')).toEqual([]);
    expect(c.state.observing).toBeNull();
    c.stop();
  });
});

describe('the room’s people', () => {
  it('see a counselor is present while one is, from the join and from presence changes', () => {
    const c = connect(Role.STUDENT, 'Blue Heron', 1n);
    join(c);
    const here = () => counselorPresent(room(c).present, c.state.me);
    expect(here()).toBe(false);
    event({ case: 'presence', value: { roomId: 7n, member: okafor, present: true } });
    expect(here()).toBe(true);
    event({ case: 'presence', value: { roomId: 7n, member: okafor, present: false } });
    expect(here()).toBe(false);
    c.stop();
  });

  it('a facilitator hears CaseResolved in the room’s console; a student is told nothing', () => {
    const f = connect(Role.FACILITATOR, 'Ms. Rivera', 6n);
    join(f);
    event({ case: 'caseResolved', value: { roomId: 7n, escalationId: 41n, notice: 'A counselor has followed this up.' } });
    expect(f.state.staffNote).toMatchObject({ roomId: '7', text: 'A counselor has followed this up.' });
    f.stop();
    const s = connect(Role.STUDENT, 'Blue Heron', 1n);
    join(s);
    event({ case: 'caseResolved', value: { roomId: 7n, escalationId: 41n, notice: 'A counselor has followed this up.' } });
    expect(s.state.staffNote).toBeNull();
    expect(s.state.alert).toBeNull();
    s.stop();
  });
});
