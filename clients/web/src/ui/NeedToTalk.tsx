import { useEffect, useRef, useState } from 'preact/hooks';
import type { TalkRequest } from '../store';

const PRIVATE_NOTE = 'Only your facilitator and a school counselor will know.';

/** Move the focus to `el` unless the person is busy somewhere else on the page. */
function focusIfHere(section: HTMLElement | null, el: HTMLElement | null | undefined): void {
  if (!el) return;
  const active = document.activeElement;
  if (!active || active === document.body || (section && section.contains(active))) el.focus();
}

/**
 * A student's private "I need to talk", always there in the room (whatever the composer can
 * do): press, confirm (Escape cancels), then progress, the answer with the school's crisis
 * contacts, or what went wrong with Try again. The answer is read out through a polite live
 * region, a failure through an alert. Rendered for students only; keyed by room.
 */
export function NeedToTalk(props: {
  roomName: string;
  talk: TalkRequest | null;
  connected: boolean;
  onAsk: () => void;
  onRetry: () => void;
  onClose: () => void;
}) {
  const { talk } = props;
  const [confirming, setConfirming] = useState(false);
  const section = useRef<HTMLElement>(null);
  const pressRef = useRef<HTMLButtonElement>(null);
  const yesRef = useRef<HTMLButtonElement>(null);
  const retryRef = useRef<HTMLButtonElement>(null);
  // Where the focus goes after the next render: set by the step that changes the view.
  const focusNext = useRef<'press' | 'yes' | 'section' | null>(null);

  const state = talk?.state ?? (confirming ? 'confirming' : 'idle');

  useEffect(() => {
    const want = focusNext.current;
    focusNext.current = null;
    if (want === 'press') pressRef.current?.focus();
    else if (want === 'yes') yesRef.current?.focus();
    else if (want === 'section') section.current?.focus();
  }, [state]);

  // It failed: put the keyboard on Try again. (The answer is read out by the live region; the
  // focus stays on this section, so Tab reaches its Close.)
  useEffect(() => {
    if (state === 'failed') focusIfHere(section.current, retryRef.current);
  }, [state]);

  function ask() {
    focusNext.current = 'yes';
    setConfirming(true);
  }
  function cancel() {
    focusNext.current = 'press';
    setConfirming(false);
  }
  function confirm() {
    focusNext.current = 'section';
    setConfirming(false);
    props.onAsk();
  }
  function retry() {
    focusNext.current = 'section';
    props.onRetry();
  }
  function close() {
    focusNext.current = 'press';
    props.onClose();
  }
  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape' && state === 'confirming') {
      e.preventDefault();
      e.stopPropagation(); // not also the page's "Escape dismisses the alert"
      cancel();
    }
  }

  return (
    <section
      class={`talk talk--${state}`}
      ref={section}
      tabIndex={-1}
      aria-labelledby="talk-heading"
      onKeyDown={onKeyDown}
      data-testid="need-to-talk"
    >
      <h3 id="talk-heading" class="visually-hidden">
        Talk to someone privately
      </h3>
      {state === 'idle' && (
        <div class="talk-row">
          <button type="button" class="talk-button" ref={pressRef} aria-describedby="talk-private" onClick={ask}>
            I need to talk
          </button>
          <p id="talk-private" class="talk-note">
            <strong>Private.</strong> {PRIVATE_NOTE}
          </p>
        </div>
      )}
      {state === 'confirming' && (
        <div class="talk-confirm" role="group" aria-labelledby="talk-question" aria-describedby="talk-confirm-note">
          <p id="talk-question" class="talk-question">
            Ask for someone to talk with you?
          </p>
          <p id="talk-confirm-note" class="talk-note">
            {PRIVATE_NOTE} Nobody else in {props.roomName} will see this.
          </p>
          <div class="talk-actions">
            <button type="button" class="primary" ref={yesRef} onClick={confirm}>
              Yes, ask for someone
            </button>
            <button type="button" class="ghost" onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {/* Always mounted, so what appears in them is read out. */}
      <div class="talk-status" role="status" aria-live="polite">
        {state === 'sending' && (
          <p class="talk-progress">
            <span class="talk-spinner" aria-hidden="true" />
            Sending your request…
            {!props.connected && (
              <span class="talk-offline">
                {' '}
                Waiting for the connection: it goes out as soon as Circles is back. If you need help right now,
                talk to a trusted adult.
              </span>
            )}
          </p>
        )}
        {talk?.state === 'done' && (
          <div class="talk-answer">
            <h4>Your request was sent</h4>
            {talk.support && (
              <div class="talk-support" role="note" aria-label="Crisis contacts">
                <p>{talk.support}</p>
              </div>
            )}
            <p class="talk-confirmation">{talk.confirmation}</p>
            <div class="talk-actions">
              <button type="button" class="small" onClick={close}>
                Close
              </button>
            </div>
          </div>
        )}
      </div>
      <div class="talk-alert" role="alert">
        {talk?.state === 'failed' && (
          <div class="talk-failed">
            <p>{talk.error}</p>
            <div class="talk-actions">
              <button type="button" class="primary" ref={retryRef} onClick={retry}>
                Try again
              </button>
              <button type="button" class="ghost" onClick={close}>
                Close
              </button>
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
