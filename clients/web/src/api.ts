// JSON over HTTP under /api/. The session lives in the HttpOnly `circles_session` cookie.
export interface User {
  id: string | number;
  display_name: string;
  role: string;
  school?: string;
}

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly retryAfterMs = 0,
  ) {
    super(message);
  }
}

async function readJson(res: Response): Promise<Record<string, unknown>> {
  try {
    return (await res.json()) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export async function login(username: string, password: string): Promise<User> {
  const res = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ username, password }),
  });
  const body = await readJson(res);
  if (!res.ok) {
    throw new ApiError(
      res.status,
      String(body.error ?? 'http_' + res.status),
      String(body.message ?? res.statusText),
      Number(body.retry_after_ms ?? 0),
    );
  }
  return body.user as User;
}

/** The logged-in user, or null when the session is missing or expired. */
export async function me(): Promise<User | null> {
  const res = await fetch('/api/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (res.status === 401) return null;
  if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, res.statusText);
  const body = await readJson(res);
  return (body.user as User) ?? null;
}

export async function logout(): Promise<void> {
  await fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
}

/** For the reconnect loop: is the session still valid? Network trouble is 'unknown'. */
export async function checkSession(): Promise<'ok' | 'unauthenticated' | 'unknown'> {
  try {
    const res = await fetch('/api/me', { credentials: 'same-origin' });
    if (res.status === 401) return 'unauthenticated';
    return res.ok ? 'ok' : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function loginErrorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'bad_credentials' || e.status === 401) return "That username and password don't match. Please try again.";
    if (e.code === 'rate_limited' || e.status === 429) {
      const s = Math.max(1, Math.ceil(e.retryAfterMs / 1000));
      return `Too many tries — please wait ${s} s and try again.`;
    }
    if (e.code === 'invalid_request' || e.status === 400) return 'Please enter your username and password.';
    return 'Circles is having trouble right now. Please try again in a moment.';
  }
  return "Can't reach Circles. Check your connection and try again.";
}
