import { useEffect, useRef } from 'preact/hooks';
import type { OpenCase } from '../cases';
import {
  acknowledgedEscalations,
  acknowledgedText,
  agoText,
  countdownText,
  isOpen,
  isOverdue,
  openEscalations,
  stateClass,
  stateLabel,
  whatText,
  whoWhere,
} from '../escalations';
import type { Escalations } from '../escalations';
import { EscalationState } from '../proto';
import type { EscalationInfo, Member } from '../proto';
import type { CaseHandlers } from './CaseFileView';
import { AckButton, CaseView } from './CaseView';
import { useFocusRescue } from './focus';
import { formatTime } from './format';
import { useNow } from './useNow';

function EscalationItem(props: {
  e: EscalationInfo;
  me: Member | null;
  now: number;
  selected: boolean;
  acking: boolean;
  onSelect: (id: string) => void;
  onAck: (id: string) => void;
}) {
  const { e, now } = props;
  const open = isOpen(e);
  const titleId = `esc-title-${e.escalationId}`;
  const countdown = countdownText(e, now);
  return (
    <li class={`esc-item${open ? '' : ' esc-done'}${isOverdue(e, now) ? ' esc-overdue' : ''}`}>
      <h4 class="esc-title" id={titleId}>
        <button
          type="button"
          class="esc-open"
          id={`esc-open-${e.escalationId}`}
          aria-current={props.selected ? 'true' : undefined}
          onClick={() => props.onSelect(e.escalationId)}
        >
          {whoWhere(e)}
        </button>
      </h4>
      <p class="esc-what">{whatText(e, ' · ')}</p>
      <p class="esc-when">
        {e.createdAtMs > 0 && (
          <>
            <time dateTime={new Date(e.createdAtMs).toISOString()}>{formatTime(e.createdAtMs, now)}</time> ·{' '}
            {agoText(e.createdAtMs, now)}
          </>
        )}
      </p>
      {open ? (
        <>
          {countdown && <p class="esc-countdown">{countdown}</p>}
          <div class="esc-actions">
            <AckButton e={e} busy={props.acking} describedBy={titleId} onAck={props.onAck} />
          </div>
        </>
      ) : (
        <p class="esc-acked">
          {e.state === EscalationState.ACKNOWLEDGED ? (
            acknowledgedText(e, props.me, formatTime(e.acknowledgedAtMs, now))
          ) : (
            <span class={`esc-state esc-state-${stateClass(e.state)}`}>{stateLabel(e.state)}</span>
          )}
        </p>
      )}
    </li>
  );
}

/**
 * A counselor's dashboard: the open escalations (oldest first, each with a live countdown to its
 * re-page and Acknowledge), then the acknowledged ones (in progress and resolved among them,
 * with their state); selecting one opens its case (the controller keeps which, so the case is
 * still there after observing its room). On a narrow screen the case takes the list's place
 * ("← All escalations"); on a wide one it sits beside it.
 */
export function Dashboard(props: {
  escalations: Escalations;
  me: Member | null;
  /** The case shown (null: none). */
  openCase: OpenCase | null;
  onAck: (id: string) => void;
  onRetry: () => void;
  cases: CaseHandlers;
}) {
  const { escalations: s } = props;
  const open = openEscalations(s);
  const done = acknowledgedEscalations(s);
  const now = useNow(1000, open.length > 0);
  const selected = props.openCase?.escalationId ?? null;
  const setSelected = (id: string | null) => (id ? props.cases.onOpen(id) : props.cases.onClose());
  const caseRef = useRef<HTMLHeadingElement>(null);
  const backTo = useRef<string | null>(null);
  const listsRef = useRef<HTMLDivElement>(null);
  // An acknowledged item leaves the open list, and its button with it: keep the keyboard here.
  const rescue = useFocusRescue(listsRef, [open.length]);

  useEffect(() => {
    if (selected) {
      caseRef.current?.focus();
      return;
    }
    const id = backTo.current;
    backTo.current = null;
    if (id) (document.getElementById(`esc-open-${id}`) ?? listsRef.current)?.focus();
  }, [selected]);

  const loading = s.lists[EscalationState.OPEN] !== 'loaded' && s.lists[EscalationState.OPEN] !== 'failed';
  const item = (e: EscalationInfo) => (
    <EscalationItem
      key={e.escalationId}
      e={e}
      me={props.me}
      now={now}
      selected={selected === e.escalationId}
      acking={!!s.acking[e.escalationId]}
      onSelect={setSelected}
      onAck={props.onAck}
    />
  );
  const current = selected ? s.items[selected] ?? null : null;

  return (
    <section class={`desk${selected ? ' has-case' : ''}`} aria-labelledby="desk-heading" data-testid="dashboard">
      <h2 id="desk-heading" class="desk-heading">
        Escalations
      </h2>
      <div class="desk-body">
        <div class="desk-lists" ref={listsRef} tabIndex={-1} {...rescue}>
          {s.error && (
            <div class="desk-error">
              <p class="error-text">{s.error}</p>
              <button type="button" class="small" onClick={props.onRetry}>
                Try again
              </button>
            </div>
          )}
          <section aria-labelledby="desk-open-heading">
            <h3 id="desk-open-heading">Open ({open.length})</h3>
            {loading && open.length === 0 ? (
              <p class="muted">Loading escalations…</p>
            ) : open.length === 0 ? (
              <p class="muted">No open escalations.</p>
            ) : (
              <ol class="esc-list" aria-label="Open escalations">
                {open.map(item)}
              </ol>
            )}
          </section>
          <section aria-labelledby="desk-acked-heading">
            <h3 id="desk-acked-heading">Acknowledged ({done.length})</h3>
            {done.length === 0 ? (
              <p class="muted">None acknowledged yet.</p>
            ) : (
              <ol class="esc-list" aria-label="Acknowledged escalations">
                {done.map(item)}
              </ol>
            )}
          </section>
        </div>
        {props.openCase && (
          <CaseView
            e={current}
            openCase={props.openCase}
            me={props.me}
            now={now}
            acking={!!(selected && s.acking[selected])}
            headingRef={caseRef}
            onAck={props.onAck}
            cases={props.cases}
            onBack={() => {
              backTo.current = selected;
              setSelected(null);
            }}
          />
        )}
      </div>
    </section>
  );
}
