import { useEffect, useRef, useState } from 'preact/hooks';
import {
  MUTE_MINUTES,
  REASON_MAX_BYTES,
  actionButton,
  actionEffect,
  actionTitle,
  citationProblem,
  utf8Bytes,
} from '../facilitation';
import type { Citation, FacAction } from '../facilitation';
import type { ChatMessage, GroundRule } from '../proto';

type Problem = { field: 'rule' | 'reason' | 'send'; text: string };

/**
 * Every facilitator action asks first: which ground rule (from the room's agreement) and a
 * short reason, both required; a mute also asks for how long. A modal <dialog>: the focus
 * starts on the ground rule, stays inside, and Escape or Cancel closes it without acting. The
 * action is sent only with a valid citation; what is wrong is said next to the field.
 */
export function CitationDialog(props: {
  action: FacAction;
  rules: GroundRule[];
  roomName: string;
  /** The message acted on, shown for context (never copied into the reason). */
  message?: ChatMessage;
  /** Sends it; returns why it could not go, or null. */
  onSubmit: (action: FacAction, citation: Citation) => string | null;
  onClose: () => void;
}) {
  const { action, rules } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const ruleRef = useRef<HTMLSelectElement>(null);
  const reasonRef = useRef<HTMLInputElement>(null);
  const [rule, setRule] = useState('');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState<number>(action.kind === 'mute' ? action.minutes : MUTE_MINUTES[0]);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    ruleRef.current?.focus();
    return () => {
      if (d?.open) d.close();
    };
  }, []);

  function submit(e: Event) {
    e.preventDefault();
    const final: FacAction = action.kind === 'mute' ? { ...action, minutes } : action;
    const citation: Citation = { groundRule: Number(rule) || 0, reason };
    const p = citationProblem(rules, citation);
    if (p) {
      setProblem(p);
      (p.field === 'rule' ? ruleRef : reasonRef).current?.focus();
      return;
    }
    const err = props.onSubmit(final, citation);
    if (err) {
      setProblem({ field: 'send', text: err });
      return;
    }
    props.onClose();
  }

  const danger = action.kind === 'remove-member' || action.kind === 'remove-message' || action.kind === 'reject';
  const bytes = utf8Bytes(reason.trim());
  const errId = 'cite-error';
  return (
    <dialog
      ref={ref}
      class="cite-dialog"
      aria-labelledby="cite-title"
      aria-describedby="cite-effect"
      onCancel={(e) => {
        e.preventDefault(); // Escape: close through our state, so the focus goes back
        props.onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="cite-title">{actionTitle(action)}</h2>
        {props.message && (
          <blockquote class="cite-message">
            <p class="cite-message-sender">{props.message.sender.displayName}</p>
            <p>{props.message.text}</p>
          </blockquote>
        )}
        <p id="cite-effect">{actionEffect(action, props.roomName)}</p>
        {action.kind === 'mute' && (
          <fieldset class="cite-duration">
            <legend>For how long?</legend>
            {MUTE_MINUTES.map((m) => (
              <label key={m} class="cite-choice">
                <input
                  type="radio"
                  name="mute-minutes"
                  value={m}
                  checked={minutes === m}
                  onChange={() => setMinutes(m)}
                />
                {m} minutes
              </label>
            ))}
          </fieldset>
        )}
        {rules.length === 0 ? (
          <p class="error-text">This room's agreement lists no ground rules, so there is nothing to cite.</p>
        ) : null}
        <div class="field">
          <label for="cite-rule">Ground rule</label>
          <select
            id="cite-rule"
            ref={ruleRef}
            required
            value={rule}
            aria-invalid={problem?.field === 'rule' ? 'true' : undefined}
            aria-describedby={problem?.field === 'rule' ? errId : undefined}
            onChange={(e) => {
              setRule(e.currentTarget.value);
              if (problem?.field === 'rule') setProblem(null);
            }}
          >
            <option value="">Choose a ground rule…</option>
            {rules.map((r) => (
              <option key={r.number} value={String(r.number)}>
                {r.number}. {r.text}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="cite-reason">Reason</label>
          <input
            id="cite-reason"
            ref={reasonRef}
            type="text"
            required
            autocomplete="off"
            enterKeyHint="done"
            maxLength={REASON_MAX_BYTES}
            value={reason}
            aria-invalid={problem?.field === 'reason' ? 'true' : undefined}
            aria-describedby={problem?.field === 'reason' ? `${errId} cite-reason-hint` : 'cite-reason-hint'}
            onInput={(e) => {
              setReason(e.currentTarget.value);
              if (problem?.field === 'reason') setProblem(null);
            }}
          />
          <p id="cite-reason-hint" class="hint">
            One line in your own words, for the record (don't quote the message). The room sees only the ground
            rule. {bytes > REASON_MAX_BYTES * 0.8 ? `${bytes}/${REASON_MAX_BYTES} bytes.` : ''}
          </p>
        </div>
        <div role="alert" class="cite-problem">
          {problem && (
            <p id={errId} class="error-text">
              {problem.text}
            </p>
          )}
        </div>
        <div class="cite-actions">
          <button type="submit" class={danger ? 'danger' : 'primary'}>
            {actionButton(action)}
          </button>
          <button type="button" class="ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
