import type { EscalationAlert as Alert } from '../chat';

/**
 * Counselors: a new escalation (or one paged again because nobody acknowledged it), at the top of
 * the screen whatever is open. The slot is always mounted with role="alert", so the text is read
 * out at once; it goes when dismissed or when that escalation is no longer open.
 */
export function EscalationAlert(props: {
  alert: Alert | null;
  /** Shown while a room is open: back to the dashboard. */
  onShow?: () => void;
  onDismiss: () => void;
}) {
  const { alert } = props;
  return (
    <div class="esc-alert-slot" role="alert" data-testid="escalation-alert">
      {alert && (
        <div class="esc-alert">
          <p>{alert.text}</p>
          <div class="esc-alert-actions">
            {props.onShow && (
              <button type="button" class="small" onClick={props.onShow}>
                Show escalations
              </button>
            )}
            <button type="button" class="small ghost" onClick={props.onDismiss}>
              Dismiss
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
