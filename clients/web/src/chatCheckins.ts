// The controller's part for check-in rounds and the participation view: which requests go out
// (a facilitator's StartCheckIn and ListParticipation, a student's AnswerCheckIn) and how their
// answers and the pushed CheckInRound / CheckInCount / CheckInAnswer land in the room's state.
// It works through the narrow `CheckInHost` that ChatClient hands it, so chat.ts only routes
// frames here; the state and texts are in checkins.ts.
import * as ci from './checkins';
import type { CheckInRound as WireRound } from './gen/circles/v1/circles_pb';
import type { ClientBody, Member, ServerFrame, WireError } from './proto';
import { Role } from './proto';
import type { RoomState } from './store';

export type CheckInPending =
  | { kind: 'startCheckIn'; roomId: string }
  | { kind: 'answerCheckIn'; roomId: string }
  | { kind: 'participation'; roomId: string };

export type CheckInFrame = Extract<
  ServerFrame['body'],
  { case: 'checkIn' | 'checkInCount' | 'checkInAnswer' | 'participation' }
>;

export function isCheckInRequest(p: { kind: string } | undefined): p is CheckInPending {
  return p?.kind === 'startCheckIn' || p?.kind === 'answerCheckIn' || p?.kind === 'participation';
}

/** What ChatClient lends this part. */
export interface CheckInHost {
  me(): Member | null;
  room(roomId: string): RoomState | undefined;
  setRoom(rs: RoomState): void;
  /** Sends; null when offline. */
  request(p: CheckInPending, body: ClientBody): bigint | null;
  /** The facilitator console's polite live region. */
  staffSay(roomId: string, text: string): void;
  /** The page's polite live region, when `roomId` is the open room. */
  say(roomId: string, text: string): void;
  alert(text: string): void;
  /** A server time (Unix ms) in this browser's clock. */
  toLocal(serverMs: number): number;
}

const OFFLINE = "You're offline, so it wasn't sent. Please try again once Circles is back.";

/** The room an answer is about: its own room id, else the request's. */
function roomOf(roomId: bigint, req: CheckInPending | undefined): string {
  return roomId ? roomId.toString() : (req?.roomId ?? '');
}

export class ChatCheckIns {
  constructor(private readonly host: CheckInHost) {}

  private role(): Role | undefined {
    return this.host.me()?.role;
  }

  private update(roomId: string, f: (c: ci.RoomCheckIn) => ci.RoomCheckIn): void {
    const rs = this.host.room(roomId);
    if (!rs) return;
    const checkIn = f(rs.checkIn);
    if (checkIn !== rs.checkIn) this.host.setRoom({ ...rs, checkIn });
  }

  private local = (ms: number) => this.host.toLocal(ms);

  /**
   * After every join: the round open now. A facilitator also asks for the participation view when
   * a round is open (its answers come back after a reload) or the view was loaded before.
   */
  joined(roomId: string, w: WireRound | undefined): void {
    this.update(roomId, (c) => ci.applyJoinRound(c, w ? ci.toRound(w, this.local) : null));
    const c = this.host.room(roomId)?.checkIn;
    if (c && (c.round || c.participation)) this.loadParticipation(roomId);
  }

  /** A facilitator starts a round (ending the open one). */
  start(roomId: string): void {
    const rs = this.host.room(roomId);
    if (!rs || this.role() !== Role.FACILITATOR || rs.checkIn.starting) return;
    const id = this.host.request({ kind: 'startCheckIn', roomId }, { case: 'startCheckIn', value: { roomId: BigInt(roomId) } });
    if (id === null) return this.host.alert(OFFLINE);
    this.update(roomId, ci.startingRound);
  }

  /** A student answers the open round. Returns why nothing was sent, or null once it is on its way. */
  answer(roomId: string, mood: number, word: string): string | null {
    const problem = ci.answerProblem(mood, word);
    if (problem) return problem.text;
    return this.send(roomId, { mood, word: word.trim(), pass: false });
  }

  /** A student passes on the open round. */
  pass(roomId: string): string | null {
    return this.send(roomId, { mood: 0, word: '', pass: true });
  }

  private send(roomId: string, a: { mood: number; word: string; pass: boolean }): string | null {
    if (this.role() !== Role.STUDENT) return 'Only students answer check-ins.';
    const rs = this.host.room(roomId);
    const round = rs?.checkIn.round;
    if (!rs || !round) return 'There is no check-in open here now.';
    if (rs.checkIn.sending) return null; // one at a time: the form says it is on its way
    const id = this.host.request(
      { kind: 'answerCheckIn', roomId },
      { case: 'answerCheckIn', value: { roomId: BigInt(roomId), roundId: BigInt(round.roundId), ...a } },
    );
    if (id === null) return OFFLINE;
    this.update(roomId, (c) => ci.sendingAnswer(c, a.pass ? 'pass' : 'answer'));
    return null;
  }

  /** A facilitator opens or refreshes the participation view (one request in flight per room). */
  loadParticipation(roomId: string): void {
    const rs = this.host.room(roomId);
    if (!rs || this.role() !== Role.FACILITATOR || rs.checkIn.participationLoading) return;
    const id = this.host.request(
      { kind: 'participation', roomId },
      { case: 'listParticipation', value: { roomId: BigInt(roomId) } },
    );
    if (id !== null) this.update(roomId, ci.loadingParticipation);
  }

  onFrame(b: CheckInFrame, req: CheckInPending | undefined): void {
    const role = this.role();
    switch (b.case) {
      case 'checkIn': {
        const round = ci.toRound(b.value, this.local);
        const roomId = roomOf(b.value.roomId, req);
        const rs = this.host.room(roomId);
        if (!rs) return;
        const r = ci.applyRound(rs.checkIn, round);
        const checkIn = req?.kind === 'startCheckIn' ? ci.roundStarted(r.state) : r.state;
        if (checkIn !== rs.checkIn) this.host.setRoom({ ...rs, checkIn });
        if (!r.fresh) return;
        if (role === Role.FACILITATOR) this.host.staffSay(roomId, ci.roundAnnouncement(round));
        else if (role === Role.STUDENT && !round.youAnswered) this.host.say(roomId, ci.CHECK_IN_STARTED_TEXT);
        return;
      }
      case 'checkInCount': {
        const v = b.value;
        this.update(roomOf(v.roomId, req), (c) => ci.applyCount(c, v.roundId.toString(), v.answered, v.passed));
        return;
      }
      case 'checkInAnswer': {
        const a = ci.toAnswer(b.value, this.local);
        const roomId = roomOf(b.value.roomId, req);
        const mine = req?.kind === 'answerCheckIn' || a.member.userId === this.host.me()?.userId;
        // A student's client keeps only their own answer: others' are never shown to students.
        if (role === Role.STUDENT && !mine) return;
        const rs = this.host.room(roomId);
        if (!rs) return;
        const r = ci.applyAnswer(rs.checkIn, a, mine);
        if (r.state !== rs.checkIn) this.host.setRoom({ ...rs, checkIn: r.state });
        if (r.fresh && role === Role.FACILITATOR) this.host.staffSay(roomId, ci.answerAnnouncement(a));
        return;
      }
      case 'participation': {
        if (role !== Role.FACILITATOR) return;
        const p = ci.toParticipation(b.value, this.local);
        this.update(roomOf(b.value.roomId, req), (c) => ci.applyParticipation(c, p));
        return;
      }
    }
  }

  onError(e: WireError, req: CheckInPending): void {
    const retry = Number(e.retryAfterMs);
    switch (req.kind) {
      case 'startCheckIn':
        return this.update(req.roomId, (c) => ci.startFailed(c, ci.describeStaffCheckInError('start', e.code, retry, e.message)));
      case 'answerCheckIn':
        return this.update(req.roomId, (c) => ci.answerFailed(c, ci.describeAnswerError(e.code, retry, e.message)));
      case 'participation': {
        const text = ci.describeStaffCheckInError('participation', e.code, retry, e.message);
        return this.update(req.roomId, (c) => ci.participationFailed(c, text));
      }
    }
  }
}
