import { useEffect, useState } from 'preact/hooks';
import { checkSession, logout, me } from '../api';
import type { User } from '../api';
import { ChatClient } from '../chat';
import { ChatScreen } from './ChatScreen';
import { LoginForm } from './LoginForm';
import { useChatState } from './useChat';
import { SessionSync } from '../sessionSync';

type Phase =
  | { kind: 'loading' }
  | { kind: 'login'; notice?: string }
  | { kind: 'chat'; user: User; client: ChatClient };

function startChat(user: User): Phase {
  const client = new ChatClient({ checkAuth: checkSession });
  client.start();
  return { kind: 'chat', user, client };
}

function AuthWatcher(props: { client: ChatClient; onLost: () => void }) {
  const s = useChatState(props.client);
  useEffect(() => {
    if (s.authLost) props.onLost();
  }, [s.authLost]);
  return null;
}

export function App(props: { sync?: SessionSync } = {}) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [sync] = useState(() => props.sync ?? new SessionSync());

  // Another tab of this browser logged out: this one shares its login, so it leaves too.
  useEffect(() => {
    if (phase.kind !== 'chat') return;
    const { client } = phase;
    return sync.onLogoutElsewhere(() => {
      client.stop();
      setPhase({ kind: 'login', notice: 'You logged out in another tab.' });
    });
  }, [phase, sync]);

  useEffect(() => {
    let cancelled = false;
    me()
      .then((u) => {
        if (!cancelled) setPhase(u ? startChat(u) : { kind: 'login' });
      })
      .catch(() => {
        if (!cancelled) setPhase({ kind: 'login' });
      });
    return () => {
      cancelled = true;
    };
  }, []);

  if (phase.kind === 'loading') {
    return (
      <main class="login" id="main">
        <p role="status" class="muted">
          Loading Circles…
        </p>
      </main>
    );
  }
  if (phase.kind === 'login') {
    return <LoginForm notice={phase.notice} onLoggedIn={(u) => setPhase(startChat(u))} />;
  }
  const { client, user } = phase;
  return (
    <>
      <AuthWatcher
        client={client}
        onLost={() => {
          client.stop();
          setPhase({ kind: 'login', notice: 'Your session ended. Please log in again.' });
        }}
      />
      <ChatScreen
        client={client}
        fallbackName={user.display_name}
        onLogout={async () => {
          client.stop();
          sync.announceLogout();
          try {
            await logout();
          } catch {
            /* the cookie is cleared server-side when reachable */
          }
          setPhase({ kind: 'login', notice: "You've logged out. See you soon." });
        }}
      />
    </>
  );
}
