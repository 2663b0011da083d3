import { useEffect, useRef, useState } from 'preact/hooks';
import { utf8Bytes } from '../facilitation';
import { ReportCategory } from '../proto';
import type { ChatMessage } from '../proto';
import { NOTE_MAX_BYTES, REPORT_CATEGORIES, reportProblem } from '../reports';
import type { ReportSend } from '../reports';

type Problem = { field: 'category' | 'note' | 'send'; text: string };

/**
 * A student reports someone else's message: what is wrong (a radio group), an optional note
 * (at most 300 bytes, counted as it is typed) and Send report / Cancel. A modal <dialog>: the
 * focus starts on the choices, Escape or Cancel closes it. It stays open while the report is
 * on its way, shows a refusal in its alert, and closes itself once the server confirms (the
 * confirmation is read out in the room's notice area, not here).
 */
export function ReportDialog(props: {
  message: ChatMessage;
  /** The report this dialog sent, while it is under way or answered (null before). */
  send: ReportSend | null;
  /** Sends it; returns why it could not go, or null. */
  onSubmit: (category: ReportCategory, note: string) => string | null;
  onClose: () => void;
  /** Unmounted (closed, or another room): the room forgets the dialog's report. */
  onGone: () => void;
}) {
  const { message } = props;
  const ref = useRef<HTMLDialogElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const [category, setCategory] = useState<ReportCategory>(ReportCategory.UNSPECIFIED);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const send = props.send?.seq === message.seq ? props.send : null;
  const sending = send?.state === 'sending';
  const onGone = props.onGone;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    firstRef.current?.focus();
    return () => {
      if (d?.open) d.close();
      onGone();
    };
  }, []);

  // Confirmed: done here. The notice area says so, and the focus goes back to the message.
  useEffect(() => {
    if (send?.state === 'done') props.onClose();
  }, [send?.state]);

  function submit(e: Event) {
    e.preventDefault();
    if (sending) return;
    const p = reportProblem(category, note);
    if (p) {
      setProblem(p);
      (p.field === 'category' ? firstRef : noteRef).current?.focus();
      return;
    }
    const err = props.onSubmit(category, note);
    setProblem(err ? { field: 'send', text: err } : null);
  }

  const bytes = utf8Bytes(note.trim());
  const over = bytes > NOTE_MAX_BYTES;
  const errId = 'report-error';
  const shown = problem ?? (send?.state === 'failed' ? { field: 'send' as const, text: send.error } : null);
  return (
    <dialog
      ref={ref}
      class="cite-dialog report-dialog"
      aria-labelledby="report-title"
      aria-describedby="report-private"
      data-testid="report-dialog"
      onCancel={(e) => {
        e.preventDefault(); // Escape: close through our state, so the focus goes back
        props.onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="report-title">Report this message</h2>
        <blockquote class="cite-message">
          <p class="cite-message-sender">{message.sender.displayName}</p>
          <p>{message.text}</p>
        </blockquote>
        <p id="report-private">
          Your report goes to the room's facilitators. They see the message, not who reported it.
        </p>
        <fieldset
          class="cite-duration report-categories"
          aria-describedby={shown?.field === 'category' ? errId : undefined}
        >
          <legend>What's wrong?</legend>
          {REPORT_CATEGORIES.map((c, i) => (
            <div key={c.value} class="report-choice">
              <label class="cite-choice">
                <input
                  ref={i === 0 ? firstRef : undefined}
                  type="radio"
                  name="report-category"
                  value={c.value}
                  checked={category === c.category}
                  aria-describedby={c.hint ? `report-hint-${c.value}` : undefined}
                  onChange={() => {
                    setCategory(c.category);
                    if (problem?.field === 'category') setProblem(null);
                  }}
                />
                {c.label}
              </label>
              {c.hint && (
                <p id={`report-hint-${c.value}`} class="hint">
                  {c.hint}
                </p>
              )}
            </div>
          ))}
        </fieldset>
        <div class="field">
          <label for="report-note">Note (optional)</label>
          <textarea
            id="report-note"
            ref={noteRef}
            rows={3}
            maxLength={NOTE_MAX_BYTES}
            value={note}
            aria-invalid={over || shown?.field === 'note' ? 'true' : undefined}
            aria-describedby={shown?.field === 'note' ? `${errId} report-note-count` : 'report-note-count'}
            onInput={(e) => {
              setNote(e.currentTarget.value);
              if (problem?.field === 'note') setProblem(null);
            }}
          />
          <p id="report-note-count" class={`hint${over ? ' error-text' : ''}`}>
            {bytes}/{NOTE_MAX_BYTES} bytes
          </p>
        </div>
        <div role="alert" class="cite-problem">
          {shown && (
            <p id={errId} class="error-text">
              {shown.text}
            </p>
          )}
        </div>
        <div class="cite-actions">
          <button type="submit" class="primary" aria-disabled={sending ? 'true' : undefined}>
            {sending ? 'Sending…' : 'Send report'}
          </button>
          <button type="button" class="ghost" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
