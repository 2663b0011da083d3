import { useRef, useState } from 'preact/hooks';

export function Composer(props: { roomName: string; onSend: (text: string) => boolean; disabled?: boolean }) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);

  function submit() {
    if (!text.trim()) return;
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
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label for="composer-text">Message</label>
      <div class="composer-row">
        <textarea
          id="composer-text"
          ref={ref}
          rows={2}
          placeholder={`Message ${props.roomName}`}
          aria-describedby="composer-hint"
          value={text}
          disabled={props.disabled}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" class="primary" disabled={props.disabled || !text.trim()}>
          Send
        </button>
      </div>
      <p id="composer-hint" class="hint">
        Enter to send, Shift+Enter for a new line.
      </p>
    </form>
  );
}
