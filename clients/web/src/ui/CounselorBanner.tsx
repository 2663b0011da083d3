import { COUNSELOR_HERE_TEXT, counselorPresent } from '../cases';
import type { Member } from '../proto';

/**
 * Students and facilitators: "A counselor is here to listen" while someone present in the room
 * is a counselor (JoinResult.present, kept current by PresenceChange). Always mounted (empty
 * otherwise), so an arrival is read out politely.
 */
export function CounselorBanner(props: { present: Member[]; me: Member | null }) {
  const here = counselorPresent(props.present, props.me);
  return (
    <div class="counselor-banner" role="status" aria-live="polite" aria-atomic="true" data-testid="counselor-banner">
      {here && <p>{COUNSELOR_HERE_TEXT}</p>}
    </div>
  );
}
