// Test support (never bundled): Lunch Bunch (room 7, epoch 3) as the store's reducer tests join
// it, with messages by Quiet Fox that each carry their own time and client id.
import type { ChatMessage, Member, RoomInfo } from '../proto';
import { applyJoin, newRoomState } from '../store';
import type { RoomState } from '../store';
import { blueHeron, plainMsg, quietFox } from './fixtures';

export const storeRoom: RoomInfo = { roomId: '7', name: 'Lunch Bunch', kind: 'social_group', epoch: 3n, lastSeq: 0 };

/** Message `seq` of storeRoom, by Quiet Fox unless said otherwise. */
export function storeMsg(seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return plainMsg(seq, { epoch: 3n, sentAtMs: 1000 + seq, clientMsgId: `c${seq}`, ...extra });
}

export interface JoinOptions {
  lastSeq?: number; // the room's last seq (default: the newest shown)
  hasMore?: boolean;
  present?: Member[]; // default: Blue Heron and Quiet Fox
  extra?: object; // more JoinResult fields (session, agreement, controls, ...)
}

/** The state after a fresh join of storeRoom showing messages `seqs`. */
export function joinLunch(seqs: number[], opts: JoinOptions = {}): RoomState {
  const lastSeq = opts.lastSeq ?? Math.max(0, ...seqs);
  return applyJoin(
    newRoomState(storeRoom),
    {
      room: { ...storeRoom, lastSeq },
      recovered: false,
      messages: seqs.map((s) => storeMsg(s)),
      hasMore: opts.hasMore ?? false,
      present: opts.present ?? [blueHeron, quietFox],
      ...opts.extra,
    },
    false,
  );
}
