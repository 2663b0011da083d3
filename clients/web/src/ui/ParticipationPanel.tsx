import { lastSpokeText } from '../checkins';
import type { RoomCheckIn } from '../checkins';
import { clockText } from '../facilitation';
import { Role } from '../proto';
import { CheckInAnswerList, RoundSummary } from './CheckInPanel';
import { ConsolePanel } from './ConsolePanel';

/**
 * Facilitators: each member's share of the messages since the session opened (the last hour
 * when none is open), quietest first as the server sends them, with who has not spoken yet
 * marked so a quiet student can be invited in; and the open check-in's answers. Loaded when
 * the section opens, and again with Refresh.
 */
export function ParticipationPanel(props: {
  id: string;
  hidden: boolean;
  checkIn: RoomCheckIn;
  now: number;
  onRefresh: () => void;
}) {
  const { participation, participationLoading, participationError, round } = props.checkIn;
  const { now } = props;
  return (
    <ConsolePanel
      id={props.id}
      hidden={props.hidden}
      label="Participation"
      items={participation?.rows ?? null}
      error={participationError}
      loadingText="Loading participation…"
      toolbar={
        <div class="control-row">
          <button
            type="button"
            class="small"
            aria-disabled={participationLoading ? 'true' : undefined}
            onClick={() => !participationLoading && props.onRefresh()}
          >
            Refresh
          </button>
        </div>
      }
    >
      {(rows) => {
        const quiet = rows.filter((r) => r.member.role === Role.STUDENT && !r.lastSpokeMs);
        const since = participation?.sinceMs;
        return (
          <>
            {quiet.length > 0 && (
              <p class="participation-quiet-line">
                Not spoken yet: {quiet.map((r) => r.member.displayName).join(', ')}
              </p>
            )}
            <table class="participation" aria-busy={participationLoading ? 'true' : undefined}>
              <caption>{since ? `Participation since ${clockText(since, now)}` : 'Participation in the last hour'}</caption>
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Messages</th>
                  <th scope="col">Share</th>
                  <th scope="col">Last spoke</th>
                  <th scope="col">Present</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const last = lastSpokeText(r.lastSpokeMs, now);
                  return (
                    <tr key={r.member.userId} class={r.lastSpokeMs ? undefined : 'participation-quiet'}>
                      <th scope="row">{r.member.displayName}</th>
                      <td>{r.messages}</td>
                      <td>{r.sharePercent}%</td>
                      <td>{r.lastSpokeMs ? last : <strong class="not-yet">{last}</strong>}</td>
                      <td>{r.present ? 'Here now' : 'Not here'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {round && (
              <div class="participation-checkin">
                <h4>Open check-in</h4>
                <RoundSummary round={round} now={now} />
                <CheckInAnswerList answers={props.checkIn.answers} />
              </div>
            )}
          </>
        );
      }}
    </ConsolePanel>
  );
}
