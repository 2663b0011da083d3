// The controller's check-in rounds and participation view over a fake WebSocket: a
// facilitator's StartCheckIn, the answers and counts as they come (read out in the console),
// ListParticipation (on opening, and on a join with a round open, so a reload gets the answers
// back); a student's round from the JoinResult or a push, AnswerCheckIn / pass and their
// answers, and that others' answers never land in a student's client.
import { describe, expect, it, vi } from 'vitest';
import { CHECK_IN_LOST_TEXT, CHECK_IN_STARTED_TEXT } from './checkins';
import { ErrorCode, Role } from './proto';
import { connect, event, fox, hello, heron, join, last, rivera, room, withFakeClock } from './testing/fakeSocket';
import type { JoinInit } from './testing/fakeSocket';

const NOW = Date.UTC(2026, 10, 24, 17, 0);
withFakeClock(NOW);

const wireRound = (id: bigint, extra: Record<string, unknown> = {}) => ({
  roomId: 7n,
  roundId: id,
  startedBy: rivera,
  startedAtMs: BigInt(NOW),
  ...extra,
});
const wireAnswer = (round: bigint, member: typeof fox, mood: number, word = '', extra: Record<string, unknown> = {}) => ({
  roomId: 7n,
  roundId: round,
  member,
  mood,
  word,
  passed: mood === 0,
  atMs: BigInt(NOW),
  ...extra,
});

/** Connected as `who` and in Lunch Bunch, whose JoinResult has `extra` (e.g. an open round). */
function joinedAs(who: typeof fox, extra: Partial<JoinInit> = {}) {
  const c = connect(who.role, who.displayName, who.userId);
  join(c, extra);
  return c;
}

describe('a facilitator', () => {
  const facilitator = (extra: Partial<JoinInit> = {}) => joinedAs(rivera, extra);

  it('starts a round: the frame, then the round with nobody answered, read out once', () => {
    const c = facilitator();
    expect(last().frames('listParticipation')).toEqual([]); // no round open: nothing to restore
    c.checkIns.start('7');
    c.checkIns.start('7'); // one at a time
    const [f, ...more] = last().frames('startCheckIn');
    expect(more).toEqual([]);
    expect(f.body.value.roomId).toBe(7n);
    expect(room(c).checkIn.starting).toBe(true);
    event({ case: 'checkIn', value: wireRound(5n) }); // the room's push may come first
    event({ case: 'checkIn', value: wireRound(5n) }, f.requestId);
    expect(room(c).checkIn).toMatchObject({ starting: false, round: { roundId: '5', answered: 0, passed: 0 } });
    expect(c.state.staffNote).toMatchObject({ roomId: '7', text: 'Check-in started by Ms. Rivera.' });
    const noteId = c.state.staffNote?.id;
    event({ case: 'checkIn', value: wireRound(5n) });
    expect(c.state.staffNote?.id).toBe(noteId);
    c.stop();
  });

  it('sees each answer as it comes (read out politely) and the counts; a new round starts afresh', () => {
    const c = facilitator({ checkIn: wireRound(5n) });
    event({ case: 'checkInAnswer', value: wireAnswer(5n, fox, 2, 'tired') });
    expect(c.state.staffNote?.text).toBe('Check-in from Quiet Fox: 2 — low · tired');
    event({ case: 'checkInCount', value: { roomId: 7n, roundId: 5n, answered: 1 } });
    event({ case: 'checkInAnswer', value: wireAnswer(5n, heron, 0) });
    expect(c.state.staffNote?.text).toBe('Check-in from Blue Heron: passed');
    event({ case: 'checkInCount', value: { roomId: 7n, roundId: 5n, answered: 1, passed: 1 } });
    expect(room(c).checkIn.round).toMatchObject({ answered: 1, passed: 1 });
    expect(room(c).checkIn.answers.map((a) => [a.member.displayName, a.mood, a.word, a.passed])).toEqual([
      ['Quiet Fox', 2, 'tired', false],
      ['Blue Heron', 0, '', true],
    ]);
    event({ case: 'checkIn', value: wireRound(6n) });
    expect(room(c).checkIn).toMatchObject({ round: { roundId: '6' }, answers: [] });
    c.stop();
  });

  it('a join with a round open asks for participation, whose answers come back (a reload)', () => {
    const c = facilitator({ checkIn: wireRound(5n, { answered: 1 }) });
    const [f, ...more] = last().frames('listParticipation');
    expect(more).toEqual([]);
    expect(f.body.value.roomId).toBe(7n);
    c.checkIns.loadParticipation('7'); // one in flight per room
    expect(last().frames('listParticipation')).toHaveLength(1);
    event(
      {
        case: 'participation',
        value: {
          roomId: 7n,
          sinceMs: BigInt(NOW - 30 * 60_000),
          members: [
            { member: fox, present: true },
            { member: heron, messages: 4, sharePercent: 100, lastSpokeMs: BigInt(NOW - 3 * 60_000), present: true },
          ],
          round: wireRound(5n, { answered: 1 }),
          answers: [wireAnswer(5n, heron, 4, 'calm')],
        },
      },
      f.requestId,
    );
    const ci = room(c).checkIn;
    expect(ci.participationLoading).toBe(false);
    expect(ci.participation?.rows.map((r) => [r.member.displayName, r.lastSpokeMs])).toEqual([
      ['Quiet Fox', 0],
      ['Blue Heron', NOW - 3 * 60_000],
    ]);
    expect(ci.answers.map((a) => a.word)).toEqual(['calm']);
    c.checkIns.loadParticipation('7'); // Refresh
    expect(last().frames('listParticipation')).toHaveLength(2);
    c.stop();
  });

  it('refusals land in their panels; offline, Start says so', () => {
    const c = facilitator();
    c.checkIns.loadParticipation('7');
    event({ case: 'error', value: { code: ErrorCode.UNKNOWN_FRAME } }, last().lastId('listParticipation'));
    expect(room(c).checkIn).toMatchObject({
      participationLoading: false,
      participationError: "This server doesn't support the participation view yet.",
    });
    c.checkIns.start('7');
    event({ case: 'error', value: { code: ErrorCode.FORBIDDEN, roomId: 7n } }, last().lastId('startCheckIn'));
    expect(room(c).checkIn).toMatchObject({ starting: false, error: expect.stringMatching(/only this room's facilitators/) });
    expect(c.state.alert).toBeNull();
    last().drop();
    c.checkIns.start('7');
    expect(c.state.alert?.text).toMatch(/offline/);
    expect(room(c).checkIn.starting).toBe(false);
    c.stop();
  });
});

describe('a student', () => {
  const student = (extra: Partial<JoinInit> = {}) => joinedAs(heron, extra);

  it('a round from the JoinResult; a pushed one is read out; they never ask for participation', () => {
    const c = student({ checkIn: wireRound(5n, { answered: 2, youAnswered: true }) });
    expect(room(c).checkIn).toMatchObject({ round: { roundId: '5', answered: 2 }, answered: true });
    expect(last().frames('listParticipation')).toEqual([]);
    c.checkIns.loadParticipation('7');
    c.checkIns.start('7');
    expect(last().frames('listParticipation')).toEqual([]);
    expect(last().frames('startCheckIn')).toEqual([]);
    event({ case: 'checkIn', value: wireRound(6n) });
    expect(room(c).checkIn).toMatchObject({ round: { roundId: '6' }, answered: false });
    expect(c.state.announcement?.text).toBe(CHECK_IN_STARTED_TEXT);
    c.stop();
  });

  it('answers: the frame for the open round, then thanks; counts come, others’ answers never', () => {
    const c = student({ checkIn: wireRound(5n) });
    expect(c.checkIns.answer('7', 3, '  calm ')).toBeNull();
    const [f] = last().frames('answerCheckIn');
    expect(f.body.value).toMatchObject({ roomId: 7n, roundId: 5n, mood: 3, word: 'calm', pass: false });
    expect(room(c).checkIn.sending).toBe('answer');
    expect(c.checkIns.answer('7', 3, 'calm')).toBeNull(); // one at a time
    expect(last().frames('answerCheckIn')).toHaveLength(1);
    event({ case: 'checkInAnswer', value: wireAnswer(5n, heron, 3, 'calm') }, f.requestId);
    expect(room(c).checkIn).toMatchObject({ answered: true, sending: null, error: '' });
    event({ case: 'checkInCount', value: { roomId: 7n, roundId: 5n, answered: 1 } });
    expect(room(c).checkIn.round).toMatchObject({ answered: 1, passed: 0 });
    event({ case: 'checkInAnswer', value: wireAnswer(5n, fox, 1, 'awful') });
    expect(room(c).checkIn.answers.map((a) => a.member.displayName)).toEqual(['Blue Heron']);
    c.stop();
  });

  it('passes; checks the answer first; no round, nothing goes', () => {
    const c = student();
    expect(c.checkIns.pass('7')).toBe('There is no check-in open here now.');
    event({ case: 'checkIn', value: wireRound(5n) });
    expect(c.checkIns.answer('7', 0, '')).toMatch(/Choose how you're feeling/);
    expect(c.checkIns.answer('7', 2, 'two words')).toBe('Use one word only, with no spaces.');
    expect(last().frames('answerCheckIn')).toEqual([]);
    expect(c.checkIns.pass('7')).toBeNull();
    expect(last().frames('answerCheckIn')[0].body.value).toMatchObject({ roundId: 5n, mood: 0, word: '', pass: true });
    expect(room(c).checkIn.sending).toBe('pass');
    c.stop();
  });

  it('refusals show in the form: the server’s words, else ours; a lost connection says so', () => {
    const c = student({ checkIn: wireRound(5n) });
    c.checkIns.answer('7', 4, '');
    event(
      { case: 'error', value: { code: ErrorCode.INVALID_ARGUMENT, message: 'That check-in has ended.', roomId: 7n } },
      last().lastId('answerCheckIn'),
    );
    expect(room(c).checkIn).toMatchObject({ sending: null, error: 'That check-in has ended.', answered: false });
    c.checkIns.pass('7');
    event({ case: 'error', value: { code: ErrorCode.FORBIDDEN, roomId: 7n } }, last().lastId('answerCheckIn'));
    expect(room(c).checkIn.error).toMatch(/^Only students answer check-ins/);
    expect(c.state.alert).toBeNull();
    c.checkIns.answer('7', 4, '');
    last().drop();
    expect(room(c).checkIn).toMatchObject({ sending: null, error: CHECK_IN_LOST_TEXT });
    // It reconnects and joins again; the answer does not go out again by itself.
    vi.advanceTimersByTime(11_000);
    hello(Role.STUDENT, 'Blue Heron', 1n);
    event({ case: 'joined', value: { room: { roomId: 7n, epoch: 1n, lastSeq: 2n }, recovered: true, checkIn: wireRound(5n) } }, last().lastId('join'));
    expect(room(c).checkIn).toMatchObject({ round: { roundId: '5' }, answered: false, error: CHECK_IN_LOST_TEXT });
    expect(last().frames('answerCheckIn')).toEqual([]);
    c.stop();
  });
});
