import { describe, expect, it } from 'vitest';
import { Role } from './proto';
import type { Member, ScheduleSlot, SessionInfo } from './proto';
import { formatSessionTime, nextSession, postBlockText, resolveTimeZone, sessionBanner, zonedToUtc } from './sessions';

const NY = 'America/New_York';
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const slot = (weekday: number, hh: number, mm: number, durationMinutes = 40): ScheduleSlot => ({
  weekday,
  startMinute: hh * 60 + mm,
  durationMinutes,
});

// The demo's Lunch Bunch: Tuesday and Thursday 12:10 for 40 minutes, New York time.
const lunch = [slot(2, 12, 10), slot(4, 12, 10)];

describe('nextSession', () => {
  it('finds a later slot on the same day', () => {
    // Tuesday 2026-11-24, 09:00 in New York (EST, UTC-5).
    const n = nextSession(lunch, NY, at('2026-11-24T14:00:00Z'));
    expect(iso(n?.startMs)).toBe('2026-11-24T17:10:00.000Z');
    expect(iso(n?.endMs)).toBe('2026-11-24T17:50:00.000Z');
    expect(n).toMatchObject({ inProgress: false, zone: NY, fellBack: false });
  });

  it('reports a meeting in progress, and moves on once it has ended', () => {
    const during = nextSession(lunch, NY, at('2026-11-24T17:20:00Z'));
    expect(iso(during?.startMs)).toBe('2026-11-24T17:10:00.000Z');
    expect(during?.inProgress).toBe(true);
    // Tuesday's is over: Thursday is next.
    const after = nextSession(lunch, NY, at('2026-11-24T17:50:00Z'));
    expect(iso(after?.startMs)).toBe('2026-11-26T17:10:00.000Z');
    expect(after?.inProgress).toBe(false);
  });

  it('wraps to the same weekday next week', () => {
    // Only Mondays 08:30; it is Monday 10:00 in New York, after this week's meeting.
    const n = nextSession([slot(1, 8, 30, 30)], NY, at('2026-11-23T15:00:00Z'));
    expect(iso(n?.startMs)).toBe('2026-11-30T13:30:00.000Z');
    // From Sunday it is tomorrow.
    expect(iso(nextSession([slot(7, 9, 0), slot(1, 8, 30)], NY, at('2026-11-22T16:00:00Z'))?.startMs)).toBe(
      '2026-11-23T13:30:00.000Z',
    );
  });

  it('uses the weekday in the room zone, not in UTC', () => {
    // 03:00 UTC on Tuesday is still Monday 22:00 in New York: Monday 23:00 is an hour away.
    const n = nextSession([slot(1, 23, 0, 30), slot(2, 12, 10)], NY, at('2026-11-24T03:00:00Z'));
    expect(iso(n?.startMs)).toBe('2026-11-24T04:00:00.000Z');
  });

  it('keeps the local time across a DST change (spring forward and fall back)', () => {
    // Friday 2026-03-06 (EST); DST starts Sunday 2026-03-08: Monday 08:30 is EDT, UTC-4.
    expect(iso(nextSession([slot(1, 8, 30)], NY, at('2026-03-06T15:00:00Z'))?.startMs)).toBe('2026-03-09T12:30:00.000Z');
    // Friday 2026-10-30 (EDT); DST ends Sunday 2026-11-01: Monday 08:30 is EST, UTC-5.
    expect(iso(nextSession([slot(1, 8, 30)], NY, at('2026-10-30T15:00:00Z'))?.startMs)).toBe('2026-11-02T13:30:00.000Z');
    // Europe/Berlin leaves summer time on 2026-10-25: Tuesday 15:30 is CET, UTC+1.
    expect(iso(nextSession([slot(2, 15, 30)], 'Europe/Berlin', at('2026-10-24T10:00:00Z'))?.startMs)).toBe(
      '2026-10-27T14:30:00.000Z',
    );
  });

  it('moves a time skipped by the clock change forward by the jump', () => {
    // 02:30 does not exist in New York on 2026-03-08: the meeting starts at 03:30 EDT.
    expect(iso(zonedToUtc(2026, 3, 8, 2 * 60 + 30, NY))).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 2026-11-01: the first one (EDT) counts.
    expect(iso(zonedToUtc(2026, 11, 1, 60 + 30, NY))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('counts a meeting that started yesterday and runs past midnight', () => {
    // Sunday 23:30 for an hour; it is Monday 00:10 in New York.
    const n = nextSession([slot(7, 23, 30, 60)], NY, at('2026-11-23T05:10:00Z'));
    expect(iso(n?.startMs)).toBe('2026-11-23T04:30:00.000Z');
    expect(n?.inProgress).toBe(true);
  });

  it('has nothing for an empty schedule or one without valid slots', () => {
    expect(nextSession([], NY, at('2026-11-24T14:00:00Z'))).toBeNull();
    expect(nextSession([{ weekday: 0, startMinute: 60, durationMinutes: 30 }, slot(8, 1, 0)], NY, 0)).toBeNull();
  });

  it('falls back to UTC for an unknown or missing time zone, and says so', () => {
    expect(resolveTimeZone('Mars/Olympus_Mons')).toEqual({ zone: 'UTC', fellBack: true });
    expect(resolveTimeZone('')).toEqual({ zone: 'UTC', fellBack: true });
    expect(resolveTimeZone(NY)).toEqual({ zone: NY, fellBack: false });
    const n = nextSession(lunch, 'Mars/Olympus_Mons', at('2026-11-24T09:00:00Z'));
    expect(iso(n?.startMs)).toBe('2026-11-24T12:10:00.000Z');
    expect(n).toMatchObject({ zone: 'UTC', fellBack: true });
    expect(formatSessionTime(n!, 'en-US')).toBe('Tuesday 12:10 PM (UTC — the room\'s time zone "Mars/Olympus_Mons" isn\'t recognised)');
    const unset = nextSession(lunch, '', at('2026-11-24T09:00:00Z'));
    expect(formatSessionTime(unset!, 'en-GB')).toBe("Tuesday 12:10 (UTC — the room's time zone isn't set)");
  });

  it('formats the meeting in the room zone and the reader locale', () => {
    const n = nextSession(lunch, NY, at('2026-11-24T14:00:00Z'))!;
    expect(formatSessionTime(n, 'en-US')).toBe('Tuesday 12:10 PM (America/New_York)');
    expect(formatSessionTime(n, 'en-GB')).toBe('Tuesday 12:10 (America/New_York)');
  });
});

describe('sessionBanner', () => {
  const rivera: Member = { userId: '6', displayName: 'Ms. Rivera (facilitator)', role: Role.FACILITATOR };
  const alex: Member = { userId: '1', displayName: 'Blue Heron', role: Role.STUDENT };
  const base: SessionInfo = {
    open: false,
    openedAtMs: 0,
    openedBy: null,
    facilitatorPresent: false,
    live: false,
    timeZone: NY,
    schedule: lunch,
    required: true,
  };
  const now = at('2026-11-23T15:00:00Z'); // Monday 10:00 in New York

  it('says who opened a live session', () => {
    const live = { ...base, open: true, openedBy: rivera, facilitatorPresent: true, live: true };
    expect(sessionBanner(live, alex, now)).toEqual({ kind: 'live', text: 'Live — session opened by Ms. Rivera (facilitator)' });
    expect(sessionBanner(live, rivera, now)?.text).toBe('Live — session opened by Ms. Rivera (facilitator) (you)');
  });

  it('is paused while the facilitator is away', () => {
    const paused = { ...base, open: true, openedBy: rivera };
    expect(sessionBanner(paused, alex, now)).toEqual({ kind: 'paused', text: 'Paused — waiting for the facilitator' });
  });

  it('names the next session when none is open', () => {
    expect(sessionBanner(base, alex, now, 'en-US')).toEqual({
      kind: 'closed',
      text: 'Not meeting now — next session Tuesday 12:10 PM (America/New_York)',
    });
    expect(sessionBanner({ ...base, schedule: [] }, alex, now)?.text).toBe(
      'Not meeting now — the facilitator will open the next session',
    );
    const during = at('2026-11-24T17:15:00Z');
    expect(sessionBanner(base, alex, during, 'en-US')?.text).toBe(
      'Not meeting yet — the session planned for Tuesday 12:10 PM (America/New_York) starts when the facilitator opens it',
    );
  });

  it('shows nothing when the server runs rooms without sessions', () => {
    expect(sessionBanner(null, alex, now)).toBeNull();
    expect(sessionBanner({ ...base, required: false, live: true }, alex, now)).toBeNull();
  });

  it('explains a disabled composer', () => {
    expect(postBlockText('agreement', base)).toMatch(/group agreement/);
    expect(postBlockText('not-live', base)).toMatch(/once the facilitator opens the session/);
    expect(postBlockText('not-live', { ...base, open: true })).toMatch(/paused until the facilitator is back/);
    expect(postBlockText(null, base)).toBe('');
  });
});
