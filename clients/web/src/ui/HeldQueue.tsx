import type { FacAction } from '../facilitation';
import type { ChatMessage } from '../proto';
import { ConsolePanel } from './ConsolePanel';
import { formatTime } from './format';

/**
 * Facilitators: the held messages waiting for a decision, oldest first, each with Approve and
 * Reject (both ask for the citation). Kept current by the controller: ListHeld on join, then
 * HELD events in and approvals, removals and answers out.
 */
export function HeldQueue(props: {
  id: string;
  hidden: boolean;
  held: ChatMessage[] | null;
  error: string;
  onAct: (a: FacAction, m: ChatMessage) => void;
}) {
  return (
    <ConsolePanel
      id={props.id}
      hidden={props.hidden}
      label="Held messages"
      items={props.held}
      error={props.error}
      loadingText="Loading held messages…"
      emptyText="Nothing is waiting for review."
    >
      {(held) => (
        <ol class="held-list" aria-label="Waiting for review">
          {held.map((m) => {
            const textId = `held-${m.seq}`;
            return (
              <li key={m.seq} class="held-item">
                <p class="meta">
                  <span class="sender">{m.sender.displayName}</span>
                  {m.sentAtMs > 0 && <time dateTime={new Date(m.sentAtMs).toISOString()}>{formatTime(m.sentAtMs)}</time>}
                </p>
                <p id={textId} class="text">
                  {m.text}
                </p>
                <div class="held-actions">
                  <button
                    type="button"
                    class="small primary"
                    aria-describedby={textId}
                    onClick={() => props.onAct({ kind: 'approve', seq: m.seq, sender: m.sender }, m)}
                  >
                    Approve
                  </button>
                  <button
                    type="button"
                    class="small"
                    aria-describedby={textId}
                    onClick={() => props.onAct({ kind: 'reject', seq: m.seq, sender: m.sender }, m)}
                  >
                    Reject
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </ConsolePanel>
  );
}
