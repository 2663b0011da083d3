import type { ReportNote } from '../reports';

/**
 * A student's notice area for their reports in this room: the confirmation after sending one
 * and what a facilitator did about it, each until dismissed (the three newest are kept). A
 * polite live region, always mounted, so a new note is read out without moving the focus.
 */
export function ReportNotes(props: { notes: ReportNote[]; onDismiss: (id: number) => void }) {
  return (
    <div class="report-notes" role="status" aria-live="polite" aria-relevant="additions text" data-testid="report-notices">
      {props.notes.map((n) => (
        <div key={n.id} class="report-notice">
          <p id={`report-notice-${n.id}`}>{n.text}</p>
          <button
            type="button"
            class="small ghost"
            aria-label="Dismiss notice"
            aria-describedby={`report-notice-${n.id}`}
            onClick={(e) => {
              // The keyboard moves on to the next note's Dismiss, or to the conversation.
              const item = e.currentTarget.parentElement;
              const next = (item?.nextElementSibling ?? item?.previousElementSibling)?.querySelector('button');
              (next ?? document.getElementById('main'))?.focus();
              props.onDismiss(n.id);
            }}
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
