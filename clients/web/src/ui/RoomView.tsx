import { useEffect, useRef } from 'preact/hooks';
import { OBSERVING_TEXT } from '../cases';
import type { Citation, FacAction } from '../facilitation';
import { Role, kindLabel } from '../proto';
import type { ChatMessage, Member, ReportCategory } from '../proto';
import { postBlockText } from '../sessions';
import { needsAgreement, postingBlock } from '../store';
import type { RoomState } from '../store';
import { AgreementPanel } from './AgreementPanel';
import { CheckInForm } from './CheckInForm';
import { CitationDialog } from './CitationDialog';
import { Composer } from './Composer';
import { ControlsBanner } from './ControlsBanner';
import { CounselorBanner } from './CounselorBanner';
import { FacilitatorConsole } from './FacilitatorConsole';
import { useDialog } from './focus';
import { MessageList } from './MessageList';
import { NeedToTalk } from './NeedToTalk';
import { ReportDialog } from './ReportDialog';
import { ReportNotes } from './ReportNotes';
import { SessionBanner } from './SessionBanner';

/** Peer reports, for the open room. */
export interface ReportHandlers {
  /** A student reports message `seq`; returns why it could not go, or null. */
  onReport: (seq: number, category: ReportCategory, note: string) => string | null;
  /** The report dialog has gone. */
  onCloseReport: () => void;
  onDismissNote: (id: number) => void;
  /** A facilitator dismisses a report. */
  onDismissReport: (reportId: string) => void;
}

/** Check-in rounds and the participation view, for the open room. */
export interface CheckInHandlers {
  /** A facilitator starts a round. */
  onStart: () => void;
  /** A student answers the open round; returns why it could not go, or null. */
  onAnswer: (mood: number, word: string) => string | null;
  /** A student passes; returns why it could not go, or null. */
  onPass: () => string | null;
  /** A facilitator asks for the participation view. */
  onLoadParticipation: () => void;
}

/** Facilitators of the room: open or close its session. */
function SessionControl(props: { rs: RoomState; onSetOpen: (open: boolean) => void }) {
  const { session, sessionBusy, joined } = props.rs;
  if (!session || !session.required) return null;
  const open = session.open;
  const idle = !sessionBusy && joined;
  // aria-disabled, not disabled: the button keeps the keyboard focus while the answer comes.
  return (
    <button
      type="button"
      class={`session-toggle small${open ? '' : ' primary'}`}
      aria-disabled={idle ? undefined : 'true'}
      onClick={() => idle && props.onSetOpen(!open)}
    >
      {sessionBusy ? (open ? 'Closing…' : 'Opening…') : open ? 'Close session' : 'Open session'}
    </button>
  );
}

function Presence(props: { present: Member[]; me: Member | null; joined: boolean }) {
  const others = props.present.filter((m) => !props.me || m.userId !== props.me.userId);
  return (
    <section class="presence" aria-labelledby="presence-heading">
      <h3 id="presence-heading" class="visually-hidden">
        Here now
      </h3>
      {!props.joined ? (
        <p class="muted">Joining…</p>
      ) : others.length === 0 ? (
        <p class="muted">Nobody else is here right now.</p>
      ) : (
        <div class="present">
          <span class="muted">Here now: </span>
          <ul class="present-list">
            {others.map((m) => (
              <li key={m.userId}>{m.displayName}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function RoomView(props: {
  rs: RoomState;
  me: Member | null;
  onBack: () => void;
  onSend: (text: string) => boolean;
  onLoadOlder: () => void;
  onRetry: (id: string) => void;
  onDiscard: (id: string) => void;
  onAcceptAgreement: () => void;
  onSetSessionOpen: (open: boolean) => void;
  /** The connection is up (a student's "I need to talk" says when it has to wait). */
  connected: boolean;
  onAskToTalk: () => void;
  onRetryTalk: () => void;
  onCloseTalk: () => void;
  /** Facilitators: send an action with its citation; returns why it could not go, or null. */
  onAct: (a: FacAction, c: Citation) => string | null;
  /** Facilitators: the console's latest announcement for this room. */
  staffNote: string;
  /** Facilitators: tell the school's counselors about message `seq` (confirmed already). */
  onTellCounselor: (seq: number) => void;
  reports: ReportHandlers;
  checkIns: CheckInHandlers;
  /** A counselor observes this room: read-only, with Stop observing (back to the case). */
  observing?: boolean;
  onStopObserving?: () => void;
}) {
  const { rs, me } = props;
  const agreement = needsAgreement(rs) ? rs.agreement : null;
  const agreementFirst = agreement !== null;
  const now = Date.now(); // the controller re-renders when a mute ends
  const block = postingBlock(rs, me, now);
  const isFacilitator = me?.role === Role.FACILITATOR;
  const isStudent = me?.role === Role.STUDENT;

  // The citation dialog for the action a facilitator picked, and a student's report dialog; the
  // focus goes back to the button that opened it (or to the conversation if that button is gone).
  const citing = useDialog<{ action: FacAction; message?: ChatMessage }>();
  const asking = citing.value;
  const ask = (action: FacAction, message?: ChatMessage) => citing.open({ action, message });
  const reporting = useDialog<ChatMessage>();
  // Another room: no dialog carries over.
  useEffect(() => {
    citing.reset();
    reporting.reset();
  }, [rs.room.roomId]);

  // After "I agree" the agreement gives way to the composer: keep the keyboard there.
  const wasAgreement = useRef({ roomId: rs.room.roomId, shown: agreementFirst });
  useEffect(() => {
    const was = wasAgreement.current;
    if (was.roomId === rs.room.roomId && was.shown && !agreementFirst) {
      const box = document.getElementById('composer-text') as HTMLTextAreaElement | null;
      if (box && !box.disabled) box.focus();
      else document.getElementById('composer-reason')?.focus();
    }
    wasAgreement.current = { roomId: rs.room.roomId, shown: agreementFirst };
  }, [rs.room.roomId, agreementFirst]);

  return (
    <section class="room" aria-labelledby="room-heading">
      <div class="room-head">
        <button type="button" class="back small ghost" onClick={props.onBack}>
          ← Rooms
        </button>
        <div>
          <h2 id="room-heading">{rs.room.name}</h2>
          <p class="room-kind-line">{kindLabel(rs.room.kind)}</p>
        </div>
        {isFacilitator && <SessionControl rs={rs} onSetOpen={props.onSetSessionOpen} />}
        {props.observing && (
          <button type="button" class="session-toggle small" onClick={props.onStopObserving}>
            Stop observing
          </button>
        )}
      </div>
      <SessionBanner session={rs.session} me={me} />
      <ControlsBanner controls={rs.controls} />
      {(isStudent || isFacilitator) && <CounselorBanner present={rs.present} me={me} />}
      <Presence present={rs.present} me={props.me} joined={rs.joined} />
      {isStudent && <ReportNotes notes={rs.reports.notes} onDismiss={props.reports.onDismissNote} />}
      {isFacilitator && (
        <FacilitatorConsole
          key={rs.room.roomId}
          rs={rs}
          me={me}
          note={props.staffNote}
          onAct={ask}
          onDismissReport={props.reports.onDismissReport}
          onStartCheckIn={props.checkIns.onStart}
          onLoadParticipation={props.checkIns.onLoadParticipation}
        />
      )}
      <MessageList
        messages={rs.messages}
        pending={rs.pending}
        me={props.me}
        hasMore={rs.hasMore}
        loadingOlder={rs.loadingOlder}
        onLoadOlder={props.onLoadOlder}
        onRetry={props.onRetry}
        onDiscard={props.onDiscard}
        onRemove={isFacilitator ? (m) => ask({ kind: 'remove-message', seq: m.seq, sender: m.sender }, m) : undefined}
        onReport={isStudent ? reporting.open : undefined}
        reported={isStudent ? rs.reports.mine : undefined}
        escalate={isFacilitator ? { state: rs.escalate, onTell: props.onTellCounselor } : undefined}
      />
      {isStudent && (
        // Always there, whether or not the student may post: live or not, before or after the
        // agreement. Keyed by room, so a half-done confirmation never carries over.
        <NeedToTalk
          key={rs.room.roomId}
          roomName={rs.room.name}
          talk={rs.talk}
          connected={props.connected}
          onAsk={props.onAskToTalk}
          onRetry={props.onRetryTalk}
          onClose={props.onCloseTalk}
        />
      )}
      {isStudent && rs.checkIn.round && (
        // Above the composer while a round is open; a new round (or room) starts a fresh form.
        <CheckInForm
          key={`${rs.room.roomId}:${rs.checkIn.round.roundId}`}
          checkIn={rs.checkIn}
          onAnswer={props.checkIns.onAnswer}
          onPass={props.checkIns.onPass}
        />
      )}
      {agreement && !props.observing ? (
        <AgreementPanel
          agreement={agreement}
          roomName={rs.room.name}
          accepting={rs.accepting}
          onAccept={props.onAcceptAgreement}
        />
      ) : (
        <Composer
          roomName={rs.room.name}
          onSend={props.onSend}
          disabledReason={
            props.observing
              ? OBSERVING_TEXT
              : block
                ? postBlockText(block, rs.session, { mutedUntilMs: rs.mutedUntilMs, now })
                : undefined
          }
        />
      )}
      {isFacilitator && asking && (
        <CitationDialog
          key={`${rs.room.roomId}:${JSON.stringify(asking.action)}`}
          action={asking.action}
          message={asking.message}
          rules={rs.agreement?.rules ?? []}
          roomName={rs.room.name}
          onSubmit={props.onAct}
          onClose={citing.close}
        />
      )}
      {isStudent && reporting.value && (
        <ReportDialog
          key={`${rs.room.roomId}:${reporting.value.seq}`}
          message={reporting.value}
          send={rs.reports.send}
          onSubmit={(category, note) => props.reports.onReport(reporting.value?.seq ?? 0, category, note)}
          onClose={reporting.close}
          onGone={props.reports.onCloseReport}
        />
      )}
    </section>
  );
}
