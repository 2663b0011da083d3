import { kindLabel } from '../proto';
import type { Member } from '../proto';
import type { RoomState } from '../store';
import { Composer } from './Composer';
import { MessageList } from './MessageList';

function Presence(props: { present: Member[]; me: Member | null; joined: boolean }) {
  const others = props.present.filter((m) => !props.me || m.userId !== props.me.userId);
  return (
    <section class="presence" aria-labelledby="presence-heading">
      <h3 id="presence-heading" class="visually-hidden">
        Here now
      </h3>
      {!props.joined ? (
        <p class="muted">Joining…</p>
      ) : others.length === 0 ? (
        <p class="muted">Nobody else is here right now.</p>
      ) : (
        <div class="present">
          <span class="muted">Here now: </span>
          <ul class="present-list">
            {others.map((m) => (
              <li key={m.userId}>{m.displayName}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function RoomView(props: {
  rs: RoomState;
  me: Member | null;
  onBack: () => void;
  onSend: (text: string) => boolean;
  onLoadOlder: () => void;
  onRetry: (id: string) => void;
  onDiscard: (id: string) => void;
}) {
  const { rs } = props;
  return (
    <section class="room" aria-labelledby="room-heading">
      <div class="room-head">
        <button type="button" class="back small ghost" onClick={props.onBack}>
          ← Rooms
        </button>
        <div>
          <h2 id="room-heading">{rs.room.name}</h2>
          <p class="room-kind-line">{kindLabel(rs.room.kind)}</p>
        </div>
      </div>
      <Presence present={rs.present} me={props.me} joined={rs.joined} />
      <MessageList
        messages={rs.messages}
        pending={rs.pending}
        me={props.me}
        hasMore={rs.hasMore}
        loadingOlder={rs.loadingOlder}
        onLoadOlder={props.onLoadOlder}
        onRetry={props.onRetry}
        onDiscard={props.onDiscard}
      />
      <Composer roomName={rs.room.name} onSend={props.onSend} />
    </section>
  );
}
