// Check-in rounds and participation: the new frames on the wire (StartCheckIn, AnswerCheckIn,
// ListParticipation out; CheckInRound, CheckInCount, CheckInAnswer, Participation in), and
// the pure per-room state and texts in checkins.ts.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  CHECK_IN_LOST_TEXT,
  MOODS,
  WORD_MAX_BYTES,
  answerAnnouncement,
  answerFailed,
  answerProblem,
  answerText,
  applyAnswer,
  applyCount,
  applyJoinRound,
  applyParticipation,
  applyRound,
  checkInsDisconnected,
  describeAnswerError,
  describeStaffCheckInError,
  lastSpokeText,
  loadingParticipation,
  moodLabel,
  noCheckIn,
  roundAnnouncement,
  roundStarted,
  sendingAnswer,
  staffCountText,
  startFailed,
  startingRound,
  studentCountText,
  toParticipation,
} from './checkins';
import type { ParticipationInfo, RoomCheckIn } from './checkins';
import { ClientFrameSchema, ServerFrameSchema } from './gen/circles/v1/circles_pb';
import { ErrorCode, Role, decodeServerFrame, encodeClientFrame } from './proto';
import type { ServerInit } from './testing/fakeSocket';
import { blueHeron as heron, quietFox as fox, plainAnswer, plainRound } from './testing/fixtures';

const open = (id = '5', extra = {}): RoomCheckIn => applyRound(noCheckIn, plainRound(id, 0, extra)).state;

describe('on the wire', () => {
  it('sends StartCheckIn, AnswerCheckIn and ListParticipation', () => {
    const answer = fromBinary(
      ClientFrameSchema,
      encodeClientFrame(4n, { case: 'answerCheckIn', value: { roomId: 7n, roundId: 5n, mood: 2, word: 'tired' } }),
    );
    expect(answer.body).toMatchObject({ case: 'answerCheckIn', value: { roomId: 7n, roundId: 5n, mood: 2, word: 'tired', pass: false } });
    const start = fromBinary(ClientFrameSchema, encodeClientFrame(5n, { case: 'startCheckIn', value: { roomId: 7n } }));
    expect(start.body).toMatchObject({ case: 'startCheckIn', value: { roomId: 7n } });
    const list = fromBinary(ClientFrameSchema, encodeClientFrame(6n, { case: 'listParticipation', value: { roomId: 7n } }));
    expect(list.body.case).toBe('listParticipation');
  });

  it('maps a Participation: rows in the server order, times moved into this clock, the round and answers', () => {
    const init: ServerInit = {
      body: {
        case: 'participation',
        value: {
          roomId: 7n,
          sinceMs: 10_000n,
          members: [
            { member: { userId: 2n, displayName: 'Quiet Fox', role: Role.STUDENT }, present: true },
            { member: { userId: 1n, displayName: 'Blue Heron', role: Role.STUDENT }, messages: 6, sharePercent: 75, lastSpokeMs: 70_000n },
          ],
          round: { roomId: 7n, roundId: 5n, startedBy: { userId: 6n, displayName: 'Ms. Rivera', role: Role.FACILITATOR }, startedAtMs: 20_000n, answered: 1 },
          answers: [{ roomId: 7n, roundId: 5n, member: { userId: 1n, displayName: 'Blue Heron', role: Role.STUDENT }, mood: 4, word: 'calm', atMs: 30_000n }],
        },
      },
    };
    const f = decodeServerFrame(toBinary(ServerFrameSchema, create(ServerFrameSchema, init)));
    if (f.body.case !== 'participation') throw new Error(f.body.case);
    const p = toParticipation(f.body.value, (ms) => ms - 1000);
    expect(p.sinceMs).toBe(9000);
    expect(p.rows).toEqual([
      { member: fox, messages: 0, sharePercent: 0, lastSpokeMs: 0, present: true },
      { member: heron, messages: 6, sharePercent: 75, lastSpokeMs: 69_000, present: false },
    ]);
    expect(p.round).toEqual(plainRound('5', 19_000, { answered: 1 }));
    expect(p.answers).toEqual([plainAnswer('5', heron, 4, 'calm', 29_000)]);
  });
});

describe('texts', () => {
  it('names the five moods, an answer and a pass', () => {
    expect(MOODS.map((m) => moodLabel(m.mood))).toEqual(['1 — very low', '2 — low', '3 — okay', '4 — good', '5 — great']);
    expect(answerText(plainAnswer('5', fox, 2, 'tired'))).toBe('2 — low · tired');
    expect(answerText(plainAnswer('5', fox, 4))).toBe('4 — good');
    expect(answerText(plainAnswer('5', fox, 0))).toBe('passed');
    expect(answerAnnouncement(plainAnswer('5', fox, 1))).toBe('Check-in from Quiet Fox: 1 — very low');
    expect(roundAnnouncement(plainRound('5'))).toBe('Check-in started by Ms. Rivera.');
    expect(roundAnnouncement(plainRound('5', 0, { startedBy: null }))).toBe('Check-in started.');
  });

  it('counts for staff, and for students only how many (a pass counts)', () => {
    const r = plainRound('5', 0, { answered: 3, passed: 1 });
    expect(staffCountText(r)).toBe('Answered: 3 · Passed: 1');
    expect(studentCountText(r)).toBe('4 people have checked in');
    expect(studentCountText(plainRound('5', 0, { passed: 1 }))).toBe('1 person has checked in');
    expect(studentCountText(plainRound('5'))).toBe('0 people have checked in');
  });

  it('last spoke: "not yet", else whole minutes ago', () => {
    expect(lastSpokeText(0, 1_000_000)).toBe('not yet');
    expect(lastSpokeText(1_000_000 - 30_000, 1_000_000)).toBe('0 min ago');
    expect(lastSpokeText(1_000_000 - 7 * 60_000 - 59_000, 1_000_000)).toBe('7 min ago');
    expect(lastSpokeText(1_000_500, 1_000_000)).toBe('0 min ago'); // a clock a little ahead
  });

  it('checks an answer before it goes: a mood, one word, 32 bytes', () => {
    expect(answerProblem(0, '')).toEqual({ field: 'mood', text: "Choose how you're feeling, from 1 to 5 — or press Pass." });
    expect(answerProblem(6, '')?.field).toBe('mood');
    expect(answerProblem(3, '')).toBeNull();
    expect(answerProblem(3, '  tired  ')).toBeNull();
    expect(answerProblem(3, 'so tired')).toEqual({ field: 'word', text: 'Use one word only, with no spaces.' });
    expect(answerProblem(3, 'a'.repeat(WORD_MAX_BYTES))).toBeNull();
    // Eight 4-byte emoji are 32 bytes; nine are too many, though only nine characters.
    expect(answerProblem(3, '😀'.repeat(8))).toBeNull();
    expect(answerProblem(3, '😀'.repeat(9))?.text).toBe(
      'Keep the word shorter: at most 32 bytes (it is 36; accented letters and emoji count as more than one).',
    );
  });

  it('says why a request was refused', () => {
    expect(describeAnswerError(ErrorCode.INVALID_ARGUMENT, 0, 'That round has ended.')).toBe('That round has ended.');
    expect(describeAnswerError(ErrorCode.INVALID_ARGUMENT)).toMatch(/round may have ended/);
    expect(describeAnswerError(ErrorCode.FORBIDDEN)).toMatch(/^Only students answer check-ins/);
    expect(describeAnswerError(ErrorCode.UNKNOWN_FRAME, 0, 'unknown')).toBe("This server doesn't support check-ins yet.");
    expect(describeAnswerError(ErrorCode.INTERNAL)).toMatch(/on our side/);
    expect(describeStaffCheckInError('start', ErrorCode.FORBIDDEN)).toMatch(/only this room's facilitators can start/);
    expect(describeStaffCheckInError('participation', ErrorCode.UNKNOWN_FRAME)).toBe(
      "This server doesn't support the participation view yet.",
    );
    expect(describeStaffCheckInError('start', ErrorCode.NOT_JOINED)).toMatch(/^That wasn't done\. Still joining/);
  });
});

describe('the round', () => {
  it('a new round replaces the last one and its answers; the same one updates the counts', () => {
    let c = applyAnswer(open('5'), plainAnswer('5', fox, 2)).state;
    expect(c.answers).toHaveLength(1);
    const again = applyRound(c, plainRound('5', 0, { answered: 1 }));
    expect(again.fresh).toBe(false);
    expect(again.state.answers).toHaveLength(1);
    expect(again.state.round?.answered).toBe(1);
    const next = applyRound({ ...c, answered: true, error: 'x' }, plainRound('6'));
    expect(next.fresh).toBe(true);
    expect(next.state).toMatchObject({ round: { roundId: '6' }, answers: [], answered: false, error: '' });
    // Round ids are decimal: "10" is newer than "9"; a late push of an older round is ignored.
    c = open('10');
    expect(applyRound(c, plainRound('9')).state).toBe(c);
    expect(applyRound(c, plainRound('9'), true).state.round?.roundId).toBe('9');
  });

  it('a JoinResult says what is open now, and whether I answered', () => {
    const c = applyJoinRound(noCheckIn, plainRound('5', 0, { youAnswered: true }));
    expect(c.answered).toBe(true);
    expect(applyJoinRound(c, null)).toMatchObject({ round: null, answers: [], answered: false });
    expect(applyJoinRound(noCheckIn, null)).toBe(noCheckIn);
  });

  it('counts only for the open round', () => {
    const c = open('5');
    expect(applyCount(c, '5', 2, 1).round).toMatchObject({ answered: 2, passed: 1 });
    expect(applyCount(c, '4', 2, 1)).toBe(c);
    expect(applyCount(noCheckIn, '5', 2, 1)).toBe(noCheckIn);
  });

  it('answers: one per student in the order they came; answering again replaces in place', () => {
    let c = open('5');
    c = applyAnswer(c, plainAnswer('5', fox, 2, 'tired', 1000)).state;
    c = applyAnswer(c, plainAnswer('5', heron, 0, '', 2000)).state;
    const changed = applyAnswer(c, plainAnswer('5', fox, 4, '', 3000));
    expect(changed.fresh).toBe(true);
    expect(changed.state.answers.map(answerText)).toEqual(['4 — good', 'passed']);
    // The same answer twice (a push and a list) is no news; an older one does not win.
    expect(applyAnswer(changed.state, plainAnswer('5', fox, 4, '', 3000)).fresh).toBe(false);
    expect(applyAnswer(changed.state, plainAnswer('5', fox, 1, '', 1500)).state).toBe(changed.state);
    // Another round's answer is not this one's.
    expect(applyAnswer(c, plainAnswer('4', fox, 3)).state).toBe(c);
  });

  it("a student's own answer: answered, nothing on its way; to a round that has gone, only the latter", () => {
    const c = sendingAnswer({ ...open('5'), error: 'old' }, 'answer');
    expect(c).toMatchObject({ sending: 'answer', error: '' });
    expect(applyAnswer(c, plainAnswer('5', heron, 3), true).state).toMatchObject({ answered: true, sending: null });
    expect(applyAnswer(c, plainAnswer('4', heron, 3), true).state).toMatchObject({ answered: false, sending: null });
    expect(answerFailed(c, 'No.')).toMatchObject({ sending: null, error: 'No.' });
  });
});

describe('participation', () => {
  const p = (extra: Partial<ParticipationInfo> = {}): ParticipationInfo => ({
    roomId: '7',
    sinceMs: 1000,
    rows: [],
    round: plainRound('5', 0, { answered: 2 }),
    answers: [plainAnswer('5', fox, 2, '', 1000), plainAnswer('5', heron, 5, '', 1000)],
    ...extra,
  });

  it('restores the open round and its answers (a reload), merged with what came already', () => {
    const loading = loadingParticipation(noCheckIn);
    expect(loading.participationLoading).toBe(true);
    const c = applyParticipation(loading, p());
    expect(c).toMatchObject({ participationLoading: false, round: { roundId: '5', answered: 2 } });
    expect(c.answers.map((a) => a.member.displayName)).toEqual(['Quiet Fox', 'Blue Heron']);
    // An answer pushed after the list was made stays; the list's older copy does not undo it.
    const pushed = applyAnswer(open('5'), plainAnswer('5', fox, 4, '', 5000)).state;
    expect(applyParticipation(pushed, p()).answers.map(answerText)).toEqual(['4 — good', '5 — great']);
  });

  it('no round open: the old one goes', () => {
    const c = applyParticipation(applyAnswer(open('5'), plainAnswer('5', fox, 2)).state, p({ round: null, answers: [] }));
    expect(c).toMatchObject({ round: null, answers: [] });
    expect(c.participation?.sinceMs).toBe(1000);
  });
});

describe('requests in flight', () => {
  it('start, and its answer or refusal', () => {
    const c = startingRound({ ...noCheckIn, error: 'x' });
    expect(c).toMatchObject({ starting: true, error: '' });
    expect(roundStarted(c).starting).toBe(false);
    expect(roundStarted(noCheckIn)).toBe(noCheckIn);
    expect(startFailed(c, 'No.')).toMatchObject({ starting: false, error: 'No.' });
  });

  it('a lost connection: an answer on its way says so; nothing else waits', () => {
    expect(checkInsDisconnected(noCheckIn)).toBe(noCheckIn);
    const c = checkInsDisconnected({ ...sendingAnswer(open('5'), 'pass'), starting: true, participationLoading: true });
    expect(c).toMatchObject({ sending: null, error: CHECK_IN_LOST_TEXT, starting: false, participationLoading: false });
    expect(checkInsDisconnected(loadingParticipation(noCheckIn)).participationLoading).toBe(false);
  });
});
