import type { AgreementInfo } from '../proto';

/** The room's ground rules and "I agree", shown to a student in place of the composer. */
export function AgreementPanel(props: {
  agreement: AgreementInfo;
  roomName: string;
  accepting: boolean;
  onAccept: () => void;
}) {
  const { agreement } = props;
  return (
    <section class="agreement" aria-labelledby="agreement-heading" aria-describedby="agreement-intro">
      <h3 id="agreement-heading">Group agreement</h3>
      <p id="agreement-intro">
        Before you post in {props.roomName}, please read the ground rules everyone here agrees to.
      </p>
      {agreement.rules.length > 0 ? (
        <ol class="rules" aria-label="Ground rules">
          {agreement.rules.map((r) => (
            <li key={r.number} value={r.number}>
              {r.text}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">This room lists no ground rules yet.</p>
      )}
      <div class="agreement-actions">
        <button
          type="button"
          class="primary"
          aria-disabled={props.accepting ? 'true' : undefined}
          onClick={() => !props.accepting && props.onAccept()}
        >
          {props.accepting ? 'Saving…' : 'I agree'}
        </button>
      </div>
    </section>
  );
}
