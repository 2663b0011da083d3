import { useEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';
import {
  CASE_NOTE_MAX_BYTES,
  CASE_OUTCOMES,
  CaseOutcome,
  canTake,
  caseDoneText,
  isResolved,
  noteProblem,
  updating,
} from '../cases';
import type { CaseAction, CaseNoteInfo, OpenCase } from '../cases';
import { utf8Bytes } from '../facilitation';
import type { EscalationInfo, Member } from '../proto';
import { formatTime } from './format';

/** What the case view asks of the controller (`client.cases`, and observing). */
export interface CaseHandlers {
  onOpen: (escalationId: string) => void;
  onClose: () => void;
  onTake: () => void;
  /** A note alone; returns why it was not sent, or null. */
  onAddNote: (note: string) => string | null;
  onResolve: (outcome: CaseOutcome, note: string) => string | null;
  onReveal: () => void;
  onObserve: (roomId: string, roomName: string) => void;
}

type Field = 'note' | 'outcome' | 'resolve-note';
type Problem = { field: Field | 'send'; text: string };

const ALERT_ID = 'case-problem';

/** A case note's textarea with its byte counter (UTF-8, as the server counts). */
function NoteField(props: {
  id: string;
  label: string;
  value: string;
  fieldRef: RefObject<HTMLTextAreaElement>;
  invalid: boolean;
  onInput: (value: string) => void;
}) {
  const bytes = utf8Bytes(props.value.trim());
  const over = bytes > CASE_NOTE_MAX_BYTES;
  const countId = `${props.id}-count`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        ref={props.fieldRef}
        rows={3}
        maxLength={CASE_NOTE_MAX_BYTES}
        value={props.value}
        aria-invalid={over || props.invalid ? 'true' : undefined}
        aria-describedby={props.invalid ? `${ALERT_ID} ${countId}` : countId}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      <p id={countId} class={`hint${over ? ' error-text' : ''}`}>
        {bytes}/{CASE_NOTE_MAX_BYTES} bytes
      </p>
    </div>
  );
}

function NoteList(props: { notes: CaseNoteInfo[]; me: Member | null; now: number }) {
  if (props.notes.length === 0) return <p class="muted">No notes yet.</p>;
  return (
    <ol class="case-notes" aria-label="Case notes">
      {props.notes.map((n) => (
        <li key={n.noteId} class="case-note">
          <p class="meta">
            <span class="sender">
              {n.author.displayName}
              {props.me && n.author.userId === props.me.userId ? ' (you)' : ''}
            </span>
            {n.atMs > 0 && <time dateTime={new Date(n.atMs).toISOString()}>{formatTime(n.atMs, props.now)}</time>}
          </p>
          <p class="text">{n.text}</p>
        </li>
      ))}
    </ol>
  );
}

/**
 * The working part of a case: its alert (the server's words when something was refused), Take
 * this case / Resolve case / Observe room, the resolve form, the notes oldest first and Add
 * note. Every answer is a fresh CaseFile that the controller puts in place of the last one; a
 * resolved case takes notes but no state change. Keyed by case.
 */
export function CaseFileView(props: {
  openCase: OpenCase;
  /** The escalation as shown (the case file's, moved on by newer events). */
  e: EscalationInfo;
  me: Member | null;
  now: number;
  cases: CaseHandlers;
}) {
  const { openCase: c, e, cases } = props;
  const [note, setNote] = useState('');
  const [resolving, setResolving] = useState(false);
  const [outcome, setOutcome] = useState('');
  const [resolveNote, setResolveNote] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const outcomeRef = useRef<HTMLSelectElement>(null);
  const resolveNoteRef = useRef<HTMLTextAreaElement>(null);
  const resolveRef = useRef<HTMLButtonElement>(null);
  const busy = updating(c);
  const sending = (a: CaseAction) => busy && c.update?.action === a;

  // An answer: the saved note leaves the box; a resolved case closes its form. A Take or
  // Resolve button that has gone leaves the keyboard on the case heading.
  useEffect(() => {
    if (c.update?.state !== 'done') return;
    setProblem(null);
    if (c.update.action === 'note') setNote('');
    else {
      if (c.update.action === 'resolve') {
        setResolving(false);
        setResolveNote('');
      }
      document.getElementById('case-heading')?.focus();
    }
  }, [c.update]);
  useEffect(() => {
    if (resolving) outcomeRef.current?.focus();
  }, [resolving]);

  function fail(p: Problem, ref?: RefObject<HTMLElement>) {
    setProblem(p);
    ref?.current?.focus();
  }

  function saveNote(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    const p = noteProblem(note, true);
    if (p) return fail({ field: 'note', text: p }, noteRef);
    const err = cases.onAddNote(note);
    setProblem(err ? { field: 'send', text: err } : null);
  }

  function resolve(ev: Event) {
    ev.preventDefault();
    if (busy) return;
    const chosen = CASE_OUTCOMES.find((o) => o.value === outcome);
    if (!chosen) return fail({ field: 'outcome', text: 'Choose an outcome.' }, outcomeRef);
    const p = noteProblem(resolveNote, false);
    if (p) return fail({ field: 'resolve-note', text: p }, resolveNoteRef);
    const err = cases.onResolve(chosen.outcome, resolveNote);
    setProblem(err ? { field: 'send', text: err } : null);
  }

  function cancelResolve() {
    setResolving(false);
    if (problem?.field === 'outcome' || problem?.field === 'resolve-note') setProblem(null);
    resolveRef.current?.focus();
  }

  const shown = problem?.text || c.error;
  const invalid = (f: Field) => problem?.field === f;
  /** An edit of field `f`: its problem, if shown, goes. */
  const edit = (f: Field, set: (v: string) => void) => (v: string) => {
    set(v);
    if (invalid(f)) setProblem(null);
  };
  const resolved = isResolved(e);
  const hasRoom = !!e.roomId && e.roomId !== '0';
  return (
    <div class="case-work">
      <div role="alert" class="case-alert" data-testid="case-alert">
        {shown && (
          <p id={ALERT_ID} class="error-text">
            {shown}
          </p>
        )}
      </div>
      <p class="case-status" role="status" aria-live="polite" data-testid="case-status">
        {c.update?.state === 'done' ? caseDoneText(c.update.action) : ''}
      </p>
      <div class="case-actions">
        {c.file && canTake(e) && (
          <button
            type="button"
            class="small primary"
            aria-disabled={busy ? 'true' : undefined}
            onClick={() => !busy && cases.onTake()}
          >
            {sending('take') ? 'Taking…' : 'Take this case'}
          </button>
        )}
        {c.file && !resolved && (
          <button
            type="button"
            class="small"
            ref={resolveRef}
            aria-expanded={resolving ? 'true' : 'false'}
            aria-controls="case-resolve"
            onClick={() => (resolving ? cancelResolve() : setResolving(true))}
          >
            Resolve case
          </button>
        )}
        {hasRoom && (
          <button type="button" class="small ghost" onClick={() => cases.onObserve(e.roomId, e.roomName)}>
            Observe room
          </button>
        )}
      </div>
      {c.file && !resolved && (
        <form
          id="case-resolve"
          class="case-resolve"
          aria-label="Resolve this case"
          hidden={!resolving}
          noValidate
          onSubmit={resolve}
          onKeyDown={(ev) => ev.key === 'Escape' && cancelResolve()}
        >
          <div class="field">
            <label for="case-outcome">Outcome</label>
            <select
              id="case-outcome"
              ref={outcomeRef}
              value={outcome}
              aria-invalid={invalid('outcome') ? 'true' : undefined}
              aria-describedby={invalid('outcome') ? ALERT_ID : undefined}
              onChange={(ev) => edit('outcome', setOutcome)(ev.currentTarget.value)}
            >
              <option value="" disabled>
                Choose an outcome
              </option>
              {CASE_OUTCOMES.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </div>
          <NoteField
            id="case-resolve-note"
            label="Resolution note (optional)"
            value={resolveNote}
            fieldRef={resolveNoteRef}
            invalid={invalid('resolve-note')}
            onInput={edit('resolve-note', setResolveNote)}
          />
          <div class="cite-actions">
            <button type="submit" class="primary" aria-disabled={busy ? 'true' : undefined}>
              {sending('resolve') ? 'Resolving…' : 'Resolve'}
            </button>
            <button type="button" class="ghost" onClick={cancelResolve}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {!c.file ? (
        c.loading && <p class="muted">Loading the case…</p>
      ) : (
        <section class="case-notes-section" aria-labelledby="case-notes-heading">
          <h4 id="case-notes-heading">Notes</h4>
          <NoteList notes={c.file.notes} me={props.me} now={props.now} />
          <form class="case-add-note" aria-labelledby="case-add-note-heading" noValidate onSubmit={saveNote}>
            <h5 id="case-add-note-heading">Add note</h5>
            <NoteField
              id="case-note"
              label="Case note"
              value={note}
              fieldRef={noteRef}
              invalid={invalid('note')}
              onInput={edit('note', setNote)}
            />
            <button type="submit" class="small primary" aria-disabled={busy ? 'true' : undefined}>
              {sending('note') ? 'Saving…' : 'Save note'}
            </button>
          </form>
        </section>
      )}
    </div>
  );
}
