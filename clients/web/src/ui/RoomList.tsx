import { kindLabel } from '../proto';
import type { RoomInfo } from '../proto';

export function RoomList(props: {
  rooms: RoomInfo[] | null;
  openRoomId: string | null;
  onOpen: (roomId: string) => void;
  /** Counselors: the way back to the escalation dashboard, with the number open. */
  dashboard?: { open: number; current: boolean; onShow: () => void };
}) {
  const { rooms, openRoomId, dashboard } = props;
  return (
    <nav class="rooms" aria-labelledby="rooms-heading">
      {dashboard && (
        <button
          type="button"
          class={`room-button desk-link${dashboard.open > 0 ? ' has-open' : ''}`}
          aria-current={dashboard.current ? 'page' : undefined}
          onClick={dashboard.onShow}
        >
          <span class="room-name">Escalations</span>
          <span class="room-kind">{dashboard.open === 1 ? '1 open' : `${dashboard.open} open`}</span>
        </button>
      )}
      <h2 id="rooms-heading">Your rooms</h2>
      {rooms === null ? (
        <p class="muted">Loading your rooms…</p>
      ) : rooms.length === 0 ? (
        <p class="muted">You're not in any rooms yet.</p>
      ) : (
        <ul>
          {rooms.map((r) => (
            <li key={r.roomId}>
              <button
                type="button"
                class="room-button"
                aria-current={r.roomId === openRoomId ? 'true' : undefined}
                onClick={() => props.onOpen(r.roomId)}
              >
                <span class="room-name">{r.name}</span>
                <span class={`room-kind kind-${r.kind}`}>{kindLabel(r.kind)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
