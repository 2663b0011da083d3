import type { RefObject } from 'preact';
import {
  acknowledgedText,
  agoText,
  categoriesText,
  countdownText,
  isOpen,
  pageLevelText,
  sourceLabel,
  stateLabel,
  whoWhere,
} from '../escalations';
import { EscalationSource, EscalationState } from '../proto';
import type { EscalationInfo, Member } from '../proto';
import { formatTime } from './format';

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

/**
 * One escalation in full: what triggered it (the message text, marked sensitive), why, where,
 * when, how far its paging has gone, and its state. Escape or "← All escalations" goes back.
 */
export function CaseView(props: {
  /** null: it is no longer listed (e.g. it left the open and acknowledged states). */
  e: EscalationInfo | null;
  me: Member | null;
  now: number;
  acking: boolean;
  headingRef: RefObject<HTMLHeadingElement>;
  onAck: (id: string) => void;
  onBack: () => void;
}) {
  const { e, now } = props;
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
        if (ev.key === 'Escape' && !document.querySelector('dialog[open]')) {
          ev.stopPropagation();
          props.onBack();
        }
      }}
    >
      {back}
      <h3 id="case-heading" ref={props.headingRef} tabIndex={-1}>
        {e ? whoWhere(e) : 'Escalation'}
      </h3>
      {!e ? (
        <p class="muted">This escalation is no longer listed.</p>
      ) : (
        <>
          <dl class="case-facts">
            <dt>State</dt>
            <dd>{stateText(e, props.me, now)}</dd>
            <dt>Source</dt>
            <dd>{sourceLabel(e.source)}</dd>
            <dt>Categories</dt>
            <dd>{categoriesText(e.categories) || '—'}</dd>
            <dt>Room</dt>
            <dd>{e.roomName || '—'}</dd>
            <dt>Student</dt>
            <dd>{e.sender?.displayName || '—'}</dd>
            <dt>Created</dt>
            <dd>
              {e.createdAtMs > 0 ? (
                <>
                  <time dateTime={new Date(e.createdAtMs).toISOString()}>{formatTime(e.createdAtMs, now)}</time> (
                  {agoText(e.createdAtMs, now)})
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Paged</dt>
            <dd>{pageLevelText(e.pageLevel)}</dd>
          </dl>
          <section class="case-message" aria-labelledby="case-message-heading">
            <h4 id="case-message-heading">Message — sensitive</h4>
            <p class="case-sensitive">Confidential: for the school's counselors only. Do not share it or copy it elsewhere.</p>
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
        </>
      )}
    </section>
  );
}
