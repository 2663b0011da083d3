import type { FacAction } from '../facilitation';
import { ReportCategory } from '../proto';
import type { ChatMessage } from '../proto';
import { categoryLabel } from '../reports';
import type { ReportInfo } from '../reports';
import { ConsolePanel } from './ConsolePanel';
import { formatTime } from './format';

/**
 * Facilitators: the room's open peer reports, oldest first: what is wrong, the message (its
 * writer's pseudonym and text, or "removed"), the reporter's note, when, and for a safety
 * report that a counselor has been told. Never who reported: the wire has no such field.
 * Dismiss settles it as it is; Remove message goes through the citation dialog, and the server
 * then settles the report. Kept current by the controller (ListReports on join, ReportFiled
 * in, ReportHandled out).
 */
export function ReportQueue(props: {
  id: string;
  hidden: boolean;
  queue: ReportInfo[] | null;
  error: string;
  /** Report ids whose Dismiss is on its way. */
  handling: Record<string, true>;
  onDismiss: (reportId: string) => void;
  onAct: (a: FacAction, m: ChatMessage) => void;
}) {
  return (
    <ConsolePanel
      id={props.id}
      hidden={props.hidden}
      label="Reports"
      items={props.queue}
      error={props.error}
      loadingText="Loading reports…"
      emptyText="No open reports."
    >
      {(queue) => (
        <ol class="held-list report-list" aria-label="Open reports">
          {queue.map((r) => {
            const m = r.message;
            const textId = `report-${r.reportId}`;
            const busy = !!props.handling[r.reportId];
            return (
              <li key={r.reportId} class="held-item report-item">
                <div id={textId}>
                  <p class="meta">
                    <span class="report-category">{categoryLabel(r.category)}</span>
                    {r.createdAtMs > 0 && (
                      <time dateTime={new Date(r.createdAtMs).toISOString()}>{formatTime(r.createdAtMs)}</time>
                    )}
                  </p>
                  <p class="text">
                    <span class="sender">{m ? m.sender.displayName : 'Someone'}</span>
                    {': '}
                    {m?.text ? m.text : <em class="muted">removed</em>}
                  </p>
                  {r.note && <p class="report-note">Note: {r.note}</p>}
                  {r.category === ReportCategory.SAFETY && r.escalationId && (
                    <p class="report-escalated">A counselor has been told</p>
                  )}
                </div>
                <div class="held-actions">
                  <button
                    type="button"
                    class="small"
                    aria-describedby={textId}
                    aria-disabled={busy ? 'true' : undefined}
                    onClick={() => !busy && props.onDismiss(r.reportId)}
                  >
                    {busy ? 'Dismissing…' : 'Dismiss'}
                  </button>
                  {m?.text && (
                    <button
                      type="button"
                      class="small ghost danger-text"
                      aria-describedby={textId}
                      onClick={() => props.onAct({ kind: 'remove-message', seq: m.seq, sender: m.sender }, m)}
                    >
                      Remove message
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </ConsolePanel>
  );
}
