import { useEffect, useRef } from 'preact/hooks';
import type { ChatClient, Notice } from '../chat';
import type { ConnStatus } from '../connection';
import { isOpen, openCount, titleText } from '../escalations';
import { Role } from '../proto';
import { Dashboard } from './Dashboard';
import { EscalationAlert } from './EscalationAlert';
import { RoomList } from './RoomList';
import { RoomView } from './RoomView';
import { TalkNotices } from './TalkNotices';
import { useChatState } from './useChat';

function statusText(s: ConnStatus, retryInMs?: number): string {
  switch (s) {
    case 'connected':
      return 'Connected';
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return retryInMs && retryInMs >= 2000 ? `Reconnecting… (${Math.round(retryInMs / 1000)} s)` : 'Reconnecting…';
    default:
      return 'Offline';
  }
}

/**
 * A calm notice over the whole screen, e.g. after a facilitator removed this student from a
 * room (which closed it). Outside the layout, so a phone showing the room list sees it too; the
 * focus moves to it, since what had the focus is gone.
 */
function ScreenNotice(props: { notice: Notice | null; onDismiss: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const id = props.notice?.id;
  useEffect(() => {
    if (id !== undefined) ref.current?.focus();
  }, [id]);
  return (
    <div class="screen-notice-slot" role="alert" data-testid="screen-notice">
      {props.notice && (
        <div class={`screen-notice alert-${props.notice.tone ?? 'info'}`} ref={ref} tabIndex={-1}>
          <p>{props.notice.text}</p>
          <button type="button" class="small" onClick={props.onDismiss}>
            OK
          </button>
        </div>
      )}
    </div>
  );
}

export function ChatScreen(props: { client: ChatClient; fallbackName: string; onLogout: () => void }) {
  const { client } = props;
  const s = useChatState(client);
  const rs = s.openRoomId ? s.roomStates[s.openRoomId] : undefined;
  const alertRef = useRef<HTMLDivElement>(null);
  // Counselors get the escalation dashboard where others see "Pick a room".
  const counselor = s.me?.role === Role.COUNSELOR;
  const openN = counselor ? openCount(s.escalations) : 0;
  useEffect(() => {
    document.title = titleText(openN);
  }, [openN]);
  useEffect(
    () => () => {
      document.title = titleText(0);
    },
    [],
  );
  const escAlert = s.escalationAlert;
  const escAlertItem = escAlert ? s.escalations.items[escAlert.escalationId] : undefined;

  // Escape dismisses the current error.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Not while a dialog is open: there Escape only closes the dialog.
      if (e.key === 'Escape' && client.state.alert && !document.querySelector('dialog[open]')) client.dismissAlert();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client]);

  return (
    <div class={`app${rs ? ' has-room' : ''}${counselor ? ' desk-app' : ''}`}>
      <a class="skip" href="#main">
        Skip to conversation
      </a>
      <header class="topbar">
        <h1 class="brand">Circles</h1>
        <p class="whoami">
          Signed in as <strong data-testid="my-name">{s.me?.displayName ?? props.fallbackName}</strong>
        </p>
        <p class={`conn conn-${s.status}`} role="status">
          <span class="dot" aria-hidden="true" />
          {statusText(s.status, s.retryInMs)}
        </p>
        <button type="button" class="small ghost" onClick={props.onLogout}>
          Log out
        </button>
      </header>
      <ScreenNotice notice={s.screenNotice} onDismiss={() => client.dismissScreenNotice()} />
      <TalkNotices
        notices={s.talkNotices.items}
        canOpen={(id) => !!s.rooms?.some((r) => r.roomId === id)}
        onOpen={(id) => client.openRoom(id)}
        onDismiss={(id) => client.dismissTalkNotice(id)}
      />
      {counselor && (
        <EscalationAlert
          alert={escAlert && (!escAlertItem || isOpen(escAlertItem)) ? escAlert : null}
          onShow={rs ? () => client.openRoom(null) : undefined}
          onDismiss={() => client.dismissEscalationAlert()}
        />
      )}
      <div class="layout">
        <RoomList
          rooms={s.rooms}
          openRoomId={s.openRoomId}
          onOpen={(id) => client.openRoom(id)}
          dashboard={counselor ? { open: openN, current: !rs, onShow: () => client.openRoom(null) } : undefined}
        />
        <main id="main" tabIndex={-1}>
          <div class="alert-slot" role="alert" ref={alertRef}>
            {s.alert && (
              <div class={`alert alert-${s.alert.tone ?? 'error'}`}>
                <span>{s.alert.text}</span>
                <button type="button" class="small ghost" onClick={() => client.dismissAlert()}>
                  Dismiss
                </button>
              </div>
            )}
          </div>
          {rs ? (
            <RoomView
              rs={rs}
              me={s.me}
              onBack={() => client.openRoom(null)}
              onSend={(t) => client.send(t)}
              onLoadOlder={() => client.loadOlder()}
              onRetry={(id) => client.retry(id)}
              onDiscard={(id) => client.discard(id)}
              onAcceptAgreement={() => client.acceptAgreement()}
              onSetSessionOpen={(open) => client.setSessionOpen(open)}
              connected={s.status === 'connected'}
              onAskToTalk={() => client.askToTalk(rs.room.roomId)}
              onRetryTalk={() => client.retryTalk(rs.room.roomId)}
              onCloseTalk={() => client.closeTalk(rs.room.roomId)}
              onAct={(a, c) => client.act(a, c)}
              staffNote={s.staffNote && s.staffNote.roomId === rs.room.roomId ? s.staffNote.text : ''}
              onTellCounselor={(seq) => client.escalate.tell(rs.room.roomId, seq)}
              reports={{
                onReport: (seq, category, note) => client.reports.report(rs.room.roomId, seq, category, note),
                onCloseReport: () => client.reports.closeReport(rs.room.roomId),
                onDismissNote: (id) => client.reports.dismissNote(rs.room.roomId, id),
                onDismissReport: (id) => client.reports.dismiss(rs.room.roomId, id),
              }}
              checkIns={{
                onStart: () => client.checkIns.start(rs.room.roomId),
                onAnswer: (mood, word) => client.checkIns.answer(rs.room.roomId, mood, word),
                onPass: () => client.checkIns.pass(rs.room.roomId),
                onLoadParticipation: () => client.checkIns.loadParticipation(rs.room.roomId),
              }}
              observing={s.observing === rs.room.roomId}
              onStopObserving={() => client.openRoom(null)}
            />
          ) : counselor ? (
            <Dashboard
              escalations={s.escalations}
              me={s.me}
              openCase={s.openCase}
              onAck={(id) => client.acknowledgeEscalation(id)}
              onRetry={() => client.loadEscalations()}
              cases={{
                onOpen: (id) => client.cases.open(id),
                onClose: () => client.cases.close(),
                onTake: () => client.cases.take(),
                onAddNote: (note) => client.cases.addNote(note),
                onResolve: (outcome, note) => client.cases.resolve(outcome, note),
                onReveal: () => client.cases.reveal(),
                onObserve: (roomId, name) => client.observeRoom(roomId, name),
              }}
            />
          ) : (
            <div class="welcome">
              <h2>Welcome{s.me ? `, ${s.me.displayName}` : ''}</h2>
              <p>Pick a room to join the conversation. Be kind — everyone here is looking out for each other.</p>
            </div>
          )}
        </main>
      </div>
      <div class="visually-hidden" aria-live="polite" aria-atomic="true">
        {s.announcement?.text ?? ''}
      </div>
    </div>
  );
}
