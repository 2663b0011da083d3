import { useEffect, useRef } from 'preact/hooks';
import type { ChatClient } from '../chat';
import type { ConnStatus } from '../connection';
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

export function ChatScreen(props: { client: ChatClient; fallbackName: string; onLogout: () => void }) {
  const { client } = props;
  const s = useChatState(client);
  const rs = s.openRoomId ? s.roomStates[s.openRoomId] : undefined;
  const alertRef = useRef<HTMLDivElement>(null);

  // Escape dismisses the current error.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && client.state.alert) client.dismissAlert();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [client]);

  return (
    <div class={`app${rs ? ' has-room' : ''}`}>
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
      <TalkNotices
        notices={s.talkNotices.items}
        canOpen={(id) => !!s.rooms?.some((r) => r.roomId === id)}
        onOpen={(id) => client.openRoom(id)}
        onDismiss={(id) => client.dismissTalkNotice(id)}
      />
      <div class="layout">
        <RoomList rooms={s.rooms} openRoomId={s.openRoomId} onOpen={(id) => client.openRoom(id)} />
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
