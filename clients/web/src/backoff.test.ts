import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('starts near 0.5 s and doubles', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 0.999999)).toBe(500);
    expect(backoffDelay(1, () => 0.999999)).toBe(1000);
    expect(backoffDelay(2, () => 0.999999)).toBe(2000);
  });

  it('is capped at 10 s, also for huge attempt counts', () => {
    for (const a of [5, 6, 10, 100, 10_000]) {
      const d = backoffDelay(a, () => 0.999999);
      expect(d).toBeLessThanOrEqual(BACKOFF_CAP_MS);
      expect(d).toBeGreaterThanOrEqual(BACKOFF_CAP_MS - 1);
    }
  });

  it('jitters within [half, full] of the step', () => {
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
  });
});
