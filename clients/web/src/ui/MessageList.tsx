import { useLayoutEffect, useRef } from 'preact/hooks';
import type { RoomEscalate } from '../escalate';
import { removedText } from '../facilitation';
import { MessageStatus } from '../proto';
import type { ChatMessage, Member } from '../proto';
import { reportedMark } from '../reports';
import type { ReportInfo } from '../reports';
import type { PendingSend } from '../store';
import { EscalateButton } from './EscalateButton';
import { formatTime } from './format';

/** Facilitators: "Tell a counselor" on each message (not removed, not their own). */
export interface EscalateView {
  state: RoomEscalate;
  onTell: (seq: number) => void;
}

function MessageItem(props: {
  m: ChatMessage;
  mine: boolean;
  /** Facilitators: remove this (visible) message; asks for the citation first. */
  onRemove?: (m: ChatMessage) => void;
  /** Students: report this message (someone else's, visible); opens the report dialog. */
  onReport?: (m: ChatMessage) => void;
  /** This student's report of it, if any. */
  report?: ReportInfo;
  /** Facilitators: "Tell a counselor" (not on a removed message, nor on their own). */
  escalate?: EscalateView;
}) {
  const { m, mine, onRemove, report } = props;
  const removed = m.status === MessageStatus.REMOVED;
  const held = m.status === MessageStatus.HELD;
  const canRemove = !!onRemove && !removed && !held;
  const escalate = !mine && !removed ? props.escalate : undefined;
  const onReport = !mine && !removed && !held ? props.onReport : undefined;
  const markId = `reported-${m.seq}`;
  return (
    <li class={`msg${mine ? ' mine' : ''}${removed ? ' removed' : ''}`} data-seq={m.seq}>
      <p class="meta">
        <span class="sender">{m.sender.displayName}</span>
        {mine && <span class="you"> (you)</span>}
        {m.sentAtMs > 0 && (
          <time dateTime={new Date(m.sentAtMs).toISOString()}>{formatTime(m.sentAtMs)}</time>
        )}
      </p>
      {removed ? (
        <p class="text muted">{removedText(m.groundRule)}</p>
      ) : (
        <p class="text">{m.text}</p>
      )}
      {held && (
        <p class="note">{onRemove ? 'Held: waiting for your review under “Held messages”.' : 'Waiting for a facilitator to review.'}</p>
      )}
      {(canRemove || escalate) && (
        <div class={`msg-actions${escalate ? ' escalate-actions' : ''}`}>
          {escalate && (
            <EscalateButton
              m={m}
              sending={!!escalate.state.sending[m.seq]}
              told={!!escalate.state.told[m.seq]}
              onTell={escalate.onTell}
            />
          )}
          {canRemove && (
            <button
              type="button"
              class="small ghost"
              aria-label={`Remove message from ${m.sender.displayName}`}
              onClick={() => onRemove?.(m)}
            >
              Remove
            </button>
          )}
        </div>
      )}
      {(onReport || report) && (
        <div class="msg-actions">
          {report && (
            <span id={markId} class="reported-mark">
              {reportedMark(report)}
            </span>
          )}
          {onReport && (
            <button
              type="button"
              class="small ghost"
              data-report-seq={m.seq}
              aria-label={`Report message from ${m.sender.displayName}`}
              aria-describedby={report ? markId : undefined}
              onClick={() => onReport(m)}
            >
              Report
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function PendingItem(props: {
  p: PendingSend;
  me: Member | null;
  onRetry: (id: string) => void;
  onDiscard: (id: string) => void;
}) {
  const { p } = props;
  const failed = p.state === 'failed';
  const supported = failed && !!p.support;
  return (
    <li
      class={`msg mine pending${failed ? ' failed' : ''}${supported ? ' supported' : ''}`}
      aria-busy={failed ? undefined : 'true'}
    >
      <p class="meta">
        <span class="sender">{props.me?.displayName ?? 'You'}</span>
        <span class="you"> (you)</span>
        <span class="state">{supported ? 'Not shared with the group' : failed ? 'Not sent' : 'Sending…'}</span>
      </p>
      <p class="text">{p.text}</p>
      {supported && (
        <div class="support" role="note" aria-label="A message for you">
          <p>{p.support}</p>
        </div>
      )}
      {failed && (
        <div class="pending-actions">
          {p.error && <p class={supported ? 'note-text' : 'error-text'}>{p.error}</p>}
          <button type="button" class="small" onClick={() => props.onRetry(p.clientMsgId)}>
            Try again
          </button>
          <button type="button" class="small ghost" onClick={() => props.onDiscard(p.clientMsgId)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}

export function MessageList(props: {
  messages: ChatMessage[];
  pending: PendingSend[];
  me: Member | null;
  hasMore: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onRetry: (id: string) => void;
  onDiscard: (id: string) => void;
  /** Facilitators only: each visible message gets a Remove action. */
  onRemove?: (m: ChatMessage) => void;
  /** Students only: each visible message of someone else gets a Report action. */
  onReport?: (m: ChatMessage) => void;
  /** Students: their own reports here, by seq ("Reported by you"). */
  reported?: Record<number, ReportInfo>;
  /** Facilitators only: "Tell a counselor" and its marks. */
  escalate?: EscalateView;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const prev = useRef({ height: 0, firstSeq: 0 });
  const { messages, pending, me } = props;
  const firstSeq = messages.length ? messages[0].seq : 0;

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const p = prev.current;
    if (p.firstSeq && firstSeq && firstSeq < p.firstSeq && !atBottom.current) {
      el.scrollTop += el.scrollHeight - p.height; // older page above: keep the view still
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prev.current = { height: el.scrollHeight, firstSeq };
  }, [messages, pending, firstSeq]);

  function onScroll() {
    const el = scroller.current;
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  }

  return (
    <div class="messages" ref={scroller} onScroll={onScroll}>
      {props.hasMore && (
        <div class="older">
          <button type="button" class="small ghost" onClick={props.onLoadOlder} disabled={props.loadingOlder}>
            {props.loadingOlder ? 'Loading…' : 'Load older messages'}
          </button>
        </div>
      )}
      {messages.length === 0 && pending.length === 0 ? (
        <p class="empty muted">No messages yet. Say hello when you're ready.</p>
      ) : null}
      <ol class="message-list" aria-label="Messages">
        {messages.map((m) => (
          <MessageItem
            key={m.seq}
            m={m}
            mine={!!me && m.sender.userId === me.userId}
            onRemove={props.onRemove}
            onReport={props.onReport}
            report={props.reported?.[m.seq]}
            escalate={props.escalate}
          />
        ))}
        {pending.map((p) => (
          <PendingItem key={p.clientMsgId} p={p} me={me} onRetry={props.onRetry} onDiscard={props.onDiscard} />
        ))}
      </ol>
    </div>
  );
}
