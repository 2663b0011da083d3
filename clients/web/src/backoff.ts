// Reconnect delays: exponential from 0.5 s, capped at 10 s, with "equal jitter"
// (half fixed, half random) so many clients do not reconnect in lock-step.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;

/** Delay before reconnect attempt `attempt` (0 = first retry). `rand` returns [0, 1). */
export function backoffDelay(attempt: number, rand: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, Math.min(attempt, 30)));
  const half = exp / 2;
  return Math.round(half + rand() * half);
}
