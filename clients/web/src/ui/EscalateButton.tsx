import { useEffect, useRef, useState } from 'preact/hooks';
import { ESCALATE_QUESTION, TELLING_MARK, TOLD_MARK, escalateLabel } from '../escalate';
import type { ChatMessage } from '../proto';

/**
 * Facilitators, on a message: "Tell a counselor". An inline confirmation first (the counselors
 * see the message and what came just before it); Escape or Cancel goes back to the button, and
 * so does confirming, since the button stays: the server answers a second press with "already
 * told". While it is on its way and once told, a short mark beside the button describes it.
 */
export function EscalateButton(props: {
  m: ChatMessage;
  sending: boolean;
  told: boolean;
  onTell: (seq: number) => void;
}) {
  const { m, sending, told } = props;
  const [asking, setAsking] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const questionRef = useRef<HTMLParagraphElement>(null);
  const backToButton = useRef(false);

  useEffect(() => {
    if (asking) questionRef.current?.focus();
    else if (backToButton.current) buttonRef.current?.focus();
    backToButton.current = false;
  }, [asking]);

  const close = () => {
    backToButton.current = true;
    setAsking(false);
  };
  const markId = `escalate-mark-${m.seq}`;
  const questionId = `escalate-question-${m.seq}`;
  const mark = sending ? TELLING_MARK : told ? TOLD_MARK : '';

  if (asking) {
    return (
      <div
        class="escalate-confirm"
        role="group"
        aria-labelledby={questionId}
        onKeyDown={(ev) => {
          // Escape cancels this, not anything around it (the page's alert).
          if (ev.key !== 'Escape') return;
          ev.stopPropagation();
          close();
        }}
      >
        <p id={questionId} ref={questionRef} tabIndex={-1}>
          {ESCALATE_QUESTION}
        </p>
        <button
          type="button"
          class="small primary"
          onClick={() => {
            close();
            props.onTell(m.seq);
          }}
        >
          Tell a counselor
        </button>
        <button type="button" class="small ghost" onClick={close}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <>
      {mark && (
        <span id={markId} class="escalate-mark" data-testid="escalate-mark">
          {mark}
        </span>
      )}
      <button
        type="button"
        class="small ghost"
        ref={buttonRef}
        aria-label={escalateLabel(m.sender.displayName)}
        aria-describedby={mark ? markId : undefined}
        aria-disabled={sending ? 'true' : undefined}
        onClick={() => !sending && setAsking(true)}
      >
        Tell a counselor
      </button>
    </>
  );
}
