import { useRef, useState } from 'preact/hooks';
import { login, loginErrorText } from '../api';
import type { User } from '../api';

export function LoginForm(props: { onLoggedIn: (u: User) => void; notice?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const userRef = useRef<HTMLInputElement>(null);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    if (!username.trim() || !password) {
      setError('Please enter your username and password.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const user = await login(username.trim(), password);
      setPassword('');
      props.onLoggedIn(user);
    } catch (err) {
      setError(loginErrorText(err));
      setBusy(false);
      userRef.current?.focus();
    }
  }

  return (
    <main class="login" id="main">
      <div class="login-card">
        <h1 class="brand">Circles</h1>
        <p class="tagline">A calm place to talk with your group.</p>
        {props.notice && !error && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined} noValidate>
          <div class="field">
            <label for="login-username">Username</label>
            <input
              id="login-username"
              ref={userRef}
              name="username"
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label for="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          {error && (
            <p id="login-error" class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Logging in…' : 'Log in'}
          </button>
        </form>
      </div>
    </main>
  );
}
