// The controller's part for a facilitator's manual escalation: EscalateMessage goes out from
// here, and its answer (EscalationRaised) or refusal lands in the room's state. It works
// through the narrow `EscalateHost` that ChatClient hands it, so chat.ts only routes frames
// here; the state and texts are in escalate.ts.
import * as esc from './escalate';
import type { ClientBody, Member, ServerFrame, WireError } from './proto';
import { Role } from './proto';
import type { RoomState } from './store';

export type EscalatePending = { kind: 'escalate'; roomId: string; seq: number };

export type EscalateFrame = Extract<ServerFrame['body'], { case: 'escalationRaised' }>;

export function isEscalateRequest(p: { kind: string } | undefined): p is EscalatePending {
  return p?.kind === 'escalate';
}

/** What ChatClient lends this part. */
export interface EscalateHost {
  me(): Member | null;
  room(roomId: string): RoomState | undefined;
  setRoom(rs: RoomState): void;
  /** Sends; null when offline. */
  request(p: EscalatePending, body: ClientBody): bigint | null;
  /** Polite: the room's console when it is the open room, else the page's live region. */
  say(roomId: string, text: string): void;
  alert(text: string): void;
}

export class ChatEscalate {
  /** Rooms with an EscalateMessage in flight (a dropped connection loses them). */
  private inFlight = new Set<string>();

  constructor(private readonly host: EscalateHost) {}

  private update(roomId: string, f: (r: esc.RoomEscalate) => esc.RoomEscalate): void {
    const rs = this.host.room(roomId);
    if (!rs) return;
    const escalate = f(rs.escalate);
    if (escalate !== rs.escalate) this.host.setRoom({ ...rs, escalate });
  }

  /** A facilitator tells the school's counselors about message `seq` (after confirming). */
  tell(roomId: string, seq: number): void {
    const rs = this.host.room(roomId);
    if (!rs || this.host.me()?.role !== Role.FACILITATOR || rs.escalate.sending[seq]) return;
    const id = this.host.request(
      { kind: 'escalate', roomId, seq },
      { case: 'escalateMessage', value: { roomId: BigInt(roomId), seq: BigInt(seq) } },
    );
    if (id === null) return this.host.alert(esc.ESCALATE_OFFLINE_TEXT);
    this.inFlight.add(roomId);
    this.update(roomId, (r) => esc.startEscalate(r, seq));
  }

  /** EscalationRaised: the message is marked, and the answer to our request is read out. */
  onFrame(b: EscalateFrame, req: EscalatePending | undefined): void {
    if (this.host.me()?.role !== Role.FACILITATOR) return;
    const v = b.value;
    const roomId = v.roomId ? v.roomId.toString() : (req?.roomId ?? '');
    const seq = v.seq ? Number(v.seq) : (req?.seq ?? 0);
    if (!roomId || seq <= 0) return;
    this.update(roomId, (r) => esc.applyRaised(r, seq, v.escalationId.toString()));
    if (req) this.host.say(roomId, esc.raisedText(v.duplicate));
  }

  onError(e: WireError, req: EscalatePending): void {
    this.update(req.roomId, (r) => esc.escalateFailed(r, req.seq));
    this.host.alert(esc.describeEscalateError(e.code, Number(e.retryAfterMs), e.message));
  }

  /** The connection dropped: what was on its way will not be answered; say so once. */
  disconnected(): void {
    let lost = false;
    for (const roomId of this.inFlight) {
      const rs = this.host.room(roomId);
      lost ||= !!rs && Object.keys(rs.escalate.sending).length > 0;
      this.update(roomId, esc.escalateDisconnected);
    }
    this.inFlight.clear();
    if (lost) this.host.alert(esc.ESCALATE_LOST_TEXT);
  }
}
