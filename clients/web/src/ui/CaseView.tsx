import type { RefObject } from 'preact';
import { CASE_RECORDED_TEXT, byWhenText, currentEscalation, outcomeLabel } from '../cases';
import type { CaseFileInfo, OpenCase } from '../cases';
import {
  acknowledgedText,
  agoText,
  categoriesText,
  countdownText,
  isOpen,
  pageLevelText,
  sourceLabel,
  stateClass,
  stateLabel,
  whoWhere,
} from '../escalations';
import { EscalationSource, EscalationState } from '../proto';
import type { ChatMessage, EscalationInfo, Member } from '../proto';
import { CaseFileView } from './CaseFileView';
import type { CaseHandlers } from './CaseFileView';
import { formatTime } from './format';
import { RevealName } from './RevealName';

export function AckButton(props: { e: EscalationInfo; busy: boolean; describedBy: string; onAck: (id: string) => void }) {
  // aria-disabled, not disabled: the button keeps the keyboard focus while the answer comes.
  return (
    <button
      type="button"
      class="small primary"
      aria-disabled={props.busy ? 'true' : undefined}
      aria-describedby={props.describedBy}
      onClick={() => !props.busy && props.onAck(props.e.escalationId)}
    >
      {props.busy ? 'Acknowledging…' : 'Acknowledge'}
    </button>
  );
}

/** "Open — re-pages in 4:32", "Acknowledged by you at 3:14 PM". */
function stateText(e: EscalationInfo, me: Member | null, now: number): string {
  if (isOpen(e)) return [stateLabel(e.state), countdownText(e, now)].filter(Boolean).join(' — ');
  if (e.state === EscalationState.ACKNOWLEDGED) return acknowledgedText(e, me, formatTime(e.acknowledgedAtMs, now));
  return stateLabel(e.state);
}

function When(props: { ms: number; now: number }) {
  return <time dateTime={new Date(props.ms).toISOString()}>{formatTime(props.ms, props.now)}</time>;
}

/** Who acknowledged, took and resolved the case, and when, and how it was closed (CaseFile). */
function CaseHistory(props: { file: CaseFileInfo; e: EscalationInfo; me: Member | null; now: number }) {
  const { file, me, now } = props;
  const row = (label: string, text: string) =>
    text ? (
      <>
        <dt>{label}</dt>
        <dd>{text}</dd>
      </>
    ) : null;
  const at = (ms: number) => formatTime(ms, now);
  return (
    <>
      {row('Acknowledged', file.acknowledgedBy ? byWhenText(file.acknowledgedBy, me, at(props.e.acknowledgedAtMs)) : '')}
      {row('Taken', byWhenText(file.takenBy, me, at(file.takenAtMs)))}
      {row('Resolved', byWhenText(file.resolvedBy, me, at(file.resolvedAtMs)))}
      {row('Outcome', outcomeLabel(file.outcome))}
    </>
  );
}

/** What was said just before the triggering message, oldest first. */
function Context(props: { messages: ChatMessage[]; now: number }) {
  if (props.messages.length === 0) return null;
  return (
    <>
      <p class="case-context-title">Just before, in the room:</p>
      <ol class="case-context" aria-label="What was said just before">
        {props.messages.map((m) => (
          <li key={m.seq}>
            <span class="sender">{m.sender.displayName}</span>
            {': '}
            <span class="case-context-text">{m.text ? m.text : <em class="muted">removed</em>}</span>
            {m.sentAtMs > 0 && (
              <>
                {' '}
                <When ms={m.sentAtMs} now={props.now} />
              </>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}

/**
 * One case in full: what triggered it (the message and what was said just before, marked
 * sensitive), why, where, when, how far its paging has gone, its state and who moved it on, and
 * (CaseFileView) its notes and actions. The escalation shown is the case file's, moved on by
 * newer events. Escape (outside a form) or "← All escalations" goes back.
 */
export function CaseView(props: {
  /** The dashboard's copy; null: it is no longer listed (e.g. it left the listed states). */
  e: EscalationInfo | null;
  openCase: OpenCase;
  me: Member | null;
  now: number;
  acking: boolean;
  headingRef: RefObject<HTMLHeadingElement>;
  onAck: (id: string) => void;
  onBack: () => void;
  cases: CaseHandlers;
}) {
  const { now, openCase } = props;
  const file = openCase.file;
  const e = currentEscalation(file, props.e);
  const back = (
    <button type="button" class="small ghost case-back" onClick={props.onBack}>
      ← All escalations
    </button>
  );
  return (
    <section
      class="case"
      aria-labelledby="case-heading"
      data-testid="case-view"
      onKeyDown={(ev) => {
        // Not from a form: a draft note is not thrown away by Escape.
        const inForm = ev.target instanceof Element && ev.target.closest('form');
        if (ev.key === 'Escape' && !inForm && !document.querySelector('dialog[open]')) {
          ev.stopPropagation();
          props.onBack();
        }
      }}
    >
      {back}
      <h3 id="case-heading" ref={props.headingRef} tabIndex={-1}>
        {e ? whoWhere(e) : 'Escalation'}
      </h3>
      <p class="case-recorded">{CASE_RECORDED_TEXT}</p>
      {!e ? (
        <p class="muted">This escalation is no longer listed.</p>
      ) : (
        <>
          <dl class="case-facts">
            <dt>State</dt>
            <dd>
              <span class={`case-state case-state-${stateClass(e.state)}`} data-testid="case-state">
                {stateText(e, props.me, now)}
              </span>
            </dd>
            <dt>Source</dt>
            <dd>{sourceLabel(e.source)}</dd>
            <dt>Categories</dt>
            <dd>{categoriesText(e.categories) || '—'}</dd>
            <dt>Room</dt>
            <dd>{e.roomName || '—'}</dd>
            <dt>Student</dt>
            <dd>
              {e.sender?.displayName || '—'}
              <RevealName key={openCase.escalationId} e={e} openCase={openCase} onReveal={props.cases.onReveal} />
            </dd>
            <dt>Created</dt>
            <dd>
              {e.createdAtMs > 0 ? (
                <>
                  <When ms={e.createdAtMs} now={now} /> (
                  {agoText(e.createdAtMs, now)})
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Paged</dt>
            <dd>{pageLevelText(e.pageLevel)}</dd>
            {file && <CaseHistory file={file} e={e} me={props.me} now={now} />}
          </dl>
          <section class="case-message" aria-labelledby="case-message-heading">
            <h4 id="case-message-heading">Message — sensitive</h4>
            <p class="case-sensitive">Confidential: for the school's counselors only. Do not share it or copy it elsewhere.</p>
            <Context messages={file?.context ?? []} now={now} />
            {e.text ? (
              <blockquote class="case-text">{e.text}</blockquote>
            ) : (
              <p class="muted">
                {e.source === EscalationSource.NEED_TO_TALK
                  ? 'No message: the student pressed “I need to talk”.'
                  : 'No message text was shared with this escalation.'}
              </p>
            )}
          </section>
          {isOpen(e) && (
            <div class="case-actions">
              <AckButton e={e} busy={props.acking} describedBy="case-heading" onAck={props.onAck} />
            </div>
          )}
          <CaseFileView key={openCase.escalationId} openCase={openCase} e={e} me={props.me} now={now} cases={props.cases} />
        </>
      )}
    </section>
  );
}
