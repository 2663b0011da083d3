import { useRef, useState } from 'preact/hooks';

export function Composer(props: {
  roomName: string;
  onSend: (text: string) => boolean;
  /** Why this person cannot post now; the composer is disabled and says so. A draft is kept. */
  disabledReason?: string;
}) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const disabled = !!props.disabledReason;

  function submit() {
    if (!text.trim() || disabled) return;
    if (props.onSend(text)) setText('');
    ref.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent) {
    // Enter sends; Shift+Enter is a new line; never send mid-composition (IME).
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  return (
    <form
      class={`composer${disabled ? ' composer-disabled' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="composer-text">Message</label>
      {disabled && (
        <p id="composer-reason" class="composer-reason" tabIndex={-1}>
          {props.disabledReason}
        </p>
      )}
      <div class="composer-row">
        <textarea
          id="composer-text"
          ref={ref}
          rows={2}
          placeholder={disabled ? 'Posting is paused' : `Message ${props.roomName}`}
          aria-describedby={disabled ? 'composer-reason composer-hint' : 'composer-hint'}
          value={text}
          disabled={disabled}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" class="primary" disabled={disabled || !text.trim()}>
          Send
        </button>
      </div>
      <p id="composer-hint" class="hint">
        Enter to send, Shift+Enter for a new line.
      </p>
    </form>
  );
}
