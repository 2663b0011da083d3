import { useEffect, useState } from 'preact/hooks';
import type { Member, SessionInfo } from '../proto';
import { sessionBanner } from '../sessions';

/** The current time, refreshed every `everyMs` (the "next session" text moves on with it). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/**
 * Live / Paused / Not meeting now. The region stays mounted (empty without sessions) so a
 * change is read out politely by screen readers.
 */
export function SessionBanner(props: { session: SessionInfo | null; me: Member | null }) {
  const now = useNow(30_000);
  const banner = sessionBanner(props.session, props.me, now);
  return (
    <div
      class={`session-banner${banner ? ` session-${banner.kind}` : ''}`}
      role="status"
      aria-live="polite"
      aria-atomic="true"
      data-testid="session-banner"
    >
      {banner && (
        <p>
          <span class="session-dot" aria-hidden="true" />
          {banner.text}
        </p>
      )}
    </div>
  );
}
