import { controlsBanner } from '../facilitation';
import type { ControlsInfo } from '../proto';

/**
 * "The facilitator has made this room read-only" / "Slow mode: one message every N seconds",
 * for everyone in the room. Always mounted (empty when neither applies), so a change pushed by
 * the facilitator is read out politely.
 */
export function ControlsBanner(props: { controls: ControlsInfo | null }) {
  const lines = controlsBanner(props.controls);
  return (
    <div class="controls-banner" role="status" aria-live="polite" aria-atomic="true" data-testid="controls-banner">
      {lines.map((text) => (
        <p key={text}>
          <span class={`controls-dot${text.startsWith('Slow') ? ' slow' : ''}`} aria-hidden="true" />
          {text}
        </p>
      ))}
    </div>
  );
}
