import { useEffect, useRef, useState } from 'preact/hooks';
import { REVEAL_WARNING_TEXT, canReveal, realNameText } from '../cases';
import type { OpenCase } from '../cases';
import type { EscalationInfo } from '../proto';

/**
 * "Show real name", beside the student's pseudonym once somebody is working the case: an inline
 * confirmation first (it is audited), then RevealIdentity. The name is shown here only and goes
 * with the case view; the controller keeps it nowhere else. A refusal shows in the case's alert.
 */
export function RevealName(props: { e: EscalationInfo; openCase: OpenCase; onReveal: () => void }) {
  const [asking, setAsking] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const warningRef = useRef<HTMLParagraphElement>(null);
  const nameRef = useRef<HTMLSpanElement>(null);
  const backToButton = useRef(false);
  const reveal = props.openCase.reveal;
  const shown = reveal?.state === 'shown';

  useEffect(() => {
    if (asking) warningRef.current?.focus();
    else if (backToButton.current) buttonRef.current?.focus();
    backToButton.current = false;
  }, [asking]);
  // The button that asked is gone: the keyboard goes to the answer.
  useEffect(() => {
    if (shown) nameRef.current?.focus();
  }, [shown]);

  if (!canReveal(props.e)) return null;
  if (reveal?.state === 'shown') {
    return (
      <span class="case-realname" ref={nameRef} tabIndex={-1} data-testid="real-name">
        {realNameText(reveal.realName)}
      </span>
    );
  }
  if (reveal?.state === 'sending') return <span class="case-realname muted">Showing the name…</span>;
  const cancel = () => {
    backToButton.current = true;
    setAsking(false);
  };
  if (!asking) {
    return (
      <button type="button" class="small ghost case-reveal" ref={buttonRef} onClick={() => setAsking(true)}>
        Show real name
      </button>
    );
  }
  return (
    <div
      class="case-reveal-confirm"
      onKeyDown={(ev) => {
        // Escape cancels this, not the whole case.
        if (ev.key !== 'Escape') return;
        ev.stopPropagation();
        cancel();
      }}
    >
      <p id="reveal-warning" ref={warningRef} tabIndex={-1}>
        {REVEAL_WARNING_TEXT}
      </p>
      <button
        type="button"
        class="small primary"
        aria-describedby="reveal-warning"
        onClick={() => {
          setAsking(false);
          props.onReveal();
        }}
      >
        Show name
      </button>
      <button
        type="button"
        class="small ghost"
        onClick={cancel}
      >
        Cancel
      </button>
    </div>
  );
}
