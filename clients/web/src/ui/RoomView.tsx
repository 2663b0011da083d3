import { useEffect, useRef, useState } from 'preact/hooks';
import type { Citation, FacAction } from '../facilitation';
import { Role, kindLabel } from '../proto';
import type { ChatMessage, Member } from '../proto';
import { postBlockText } from '../sessions';
import { needsAgreement, postingBlock } from '../store';
import type { RoomState } from '../store';
import { AgreementPanel } from './AgreementPanel';
import { CitationDialog } from './CitationDialog';
import { Composer } from './Composer';
import { ControlsBanner } from './ControlsBanner';
import { FacilitatorConsole } from './FacilitatorConsole';
import { MessageList } from './MessageList';
import { NeedToTalk } from './NeedToTalk';
import { SessionBanner } from './SessionBanner';

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
}) {
  const { rs, me } = props;
  const agreement = needsAgreement(rs) ? rs.agreement : null;
  const agreementFirst = agreement !== null;
  const now = Date.now(); // the controller re-renders when a mute ends
  const block = postingBlock(rs, me, now);
  const isFacilitator = me?.role === Role.FACILITATOR;
  const isStudent = me?.role === Role.STUDENT;

  // The citation dialog for the action a facilitator picked; the focus goes back to the button
  // that opened it (or to the conversation if that button is gone).
  const [asking, setAsking] = useState<{ action: FacAction; message?: ChatMessage } | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const refocus = useRef(false);
  function ask(action: FacAction, message?: ChatMessage) {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setAsking({ action, message });
  }
  function closeAsking() {
    refocus.current = true;
    setAsking(null);
  }
  useEffect(() => {
    if (asking || !refocus.current) return;
    refocus.current = false;
    const el = opener.current;
    if (el && el.isConnected) el.focus();
    else document.getElementById('main')?.focus();
  }, [asking]);
  // Another room: no dialog carries over.
  useEffect(() => setAsking(null), [rs.room.roomId]);

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
      </div>
      <SessionBanner session={rs.session} me={me} />
      <ControlsBanner controls={rs.controls} />
      <Presence present={rs.present} me={props.me} joined={rs.joined} />
      {isFacilitator && (
        <FacilitatorConsole key={rs.room.roomId} rs={rs} me={me} note={props.staffNote} onAct={ask} />
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
      {agreement ? (
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
          disabledReason={block ? postBlockText(block, rs.session, { mutedUntilMs: rs.mutedUntilMs, now }) : undefined}
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
          onClose={closeAsking}
        />
      )}
    </section>
  );
}
