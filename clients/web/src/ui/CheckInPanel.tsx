import { answerText, staffCountText } from '../checkins';
import type { AnswerInfo, RoomCheckIn, RoundInfo } from '../checkins';
import { clockText } from '../facilitation';

/**
 * The open round's answers as the facilitators see them, in the order they came: "Quiet Fox:
 * 2 — low · tired", "Blue Heron: passed". The low moods (1 and 2) stand out.
 */
export function CheckInAnswerList(props: { answers: AnswerInfo[] }) {
  if (props.answers.length === 0) return <p class="muted">No answers yet.</p>;
  return (
    <ul class="checkin-answers" aria-label="Check-in answers">
      {props.answers.map((a) => (
        <li key={a.member.userId} class={`checkin-answer${!a.passed && a.mood <= 2 ? ' checkin-low' : ''}`}>
          <span class="sender">{a.member.displayName}</span>: {answerText(a)}
        </li>
      ))}
    </ul>
  );
}

/** "Started by Ms. Rivera at 3:14 PM. Answered: 2 · Passed: 1" */
export function RoundSummary(props: { round: RoundInfo; id?: string; now: number }) {
  const { round } = props;
  const by = round.startedBy ? ` by ${round.startedBy.displayName}` : '';
  const at = round.startedAtMs ? ` at ${clockText(round.startedAtMs, props.now)}` : '';
  return (
    <p id={props.id} class="checkin-state">
      <span class="checkin-started">
        Started{by}
        {at}.
      </span>{' '}
      <span class="checkin-count">{staffCountText(round)}</span>
    </p>
  );
}

/**
 * Facilitators: start a check-in round (which ends the open one) and follow it — the counts and
 * each answer as it arrives (also read out in the console's live region).
 */
export function CheckInPanel(props: {
  id: string;
  hidden: boolean;
  checkIn: RoomCheckIn;
  now: number;
  onStart: () => void;
}) {
  const { round, starting, error } = props.checkIn;
  return (
    <section id={props.id} class="console-panel" aria-label="Check-in" hidden={props.hidden}>
      <div class="control-row">
        {round ? (
          <RoundSummary round={round} id="checkin-round" now={props.now} />
        ) : (
          <p id="checkin-round" class="checkin-state">
            No check-in is open.
          </p>
        )}
        <button
          type="button"
          class="small primary"
          aria-describedby={round ? 'checkin-round checkin-restart' : 'checkin-round'}
          aria-disabled={starting ? 'true' : undefined}
          onClick={() => !starting && props.onStart()}
        >
          {starting ? 'Starting…' : 'Start check-in'}
        </button>
      </div>
      {round && (
        <p id="checkin-restart" class="hint">
          Starting a new check-in ends this one.
        </p>
      )}
      <div role="alert">{error && <p class="error-text">{error}</p>}</div>
      {round && <CheckInAnswerList answers={props.checkIn.answers} />}
    </section>
  );
}
