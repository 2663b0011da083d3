// Facilitated sessions as people see them: when a room meets next (from its weekly schedule,
// in the room's time zone), the banner over the room, and why a student cannot post yet.
// Pure functions with an injectable `now`; the only platform API is Intl.
import { LOCKED_REASON, mutedReason } from './facilitation';
import type { Member, ScheduleSlot, SessionInfo } from './proto';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// ---- time zones ---------------------------------------------------------------------------

export interface ZoneChoice {
  /** The zone the times are computed and shown in. */
  zone: string;
  /** The room's zone was missing or unknown to this browser: UTC is used instead. */
  fellBack: boolean;
}

/** The room's IANA zone when this browser knows it, else UTC (and say so). */
export function resolveTimeZone(timeZone: string): ZoneChoice {
  const tz = timeZone.trim();
  if (!tz) return { zone: 'UTC', fellBack: true };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return { zone: tz, fellBack: false };
  } catch {
    return { zone: 'UTC', fellBack: true };
  }
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let f = partsFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormats.set(zone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock date and time at instant `ms` in `zone`. */
export function localParts(ms: number, zone: string): LocalParts {
  const out: LocalParts = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const p of partsFormat(zone).formatToParts(ms)) {
    if (p.type in out) out[p.type as keyof LocalParts] = Number(p.value);
  }
  out.hour %= 24; // some engines say 24 for midnight
  return out;
}

/** How far `zone` is ahead of UTC at instant `ms`, in ms. */
function zoneOffset(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of local wall-clock time (year, month, day, minuteOfDay) in `zone`. A time
 * skipped by a DST change (02:30 on a spring-forward night) moves forward by the jump; a time
 * that happens twice (fall back) is its first occurrence.
 */
export function zonedToUtc(year: number, month: number, day: number, minuteOfDay: number, zone: string): number {
  const guess = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const o1 = zoneOffset(guess, zone);
  const t1 = guess - o1;
  const o2 = zoneOffset(t1, zone);
  if (o1 === o2) return t1;
  const t2 = guess - o2;
  return zoneOffset(t2, zone) === o2 ? t2 : t1;
}

// ---- the next session ---------------------------------------------------------------------

export interface NextSession {
  startMs: number;
  endMs: number;
  slot: ScheduleSlot;
  /** `now` falls inside this meeting's scheduled time. */
  inProgress: boolean;
  /** The zone used (the room's, or UTC when that one is unknown). */
  zone: string;
  fellBack: boolean;
  /** The zone the server named. */
  roomZone: string;
}

function validSlot(s: ScheduleSlot): boolean {
  return (
    Number.isInteger(s.weekday) &&
    s.weekday >= 1 &&
    s.weekday <= 7 &&
    Number.isInteger(s.startMinute) &&
    s.startMinute >= 0 &&
    s.startMinute < 24 * 60
  );
}

/**
 * The scheduled meeting that ends soonest after `now`: one in progress, else the next one to
 * start (up to a week ahead). null for an empty schedule. Weekdays and start times are wall
 * clock in the room's time zone, so DST changes move the UTC instant, not the local time.
 */
export function nextSession(schedule: ScheduleSlot[], timeZone: string, now: number): NextSession | null {
  const slots = schedule.filter(validSlot);
  if (slots.length === 0) return null;
  const { zone, fellBack } = resolveTimeZone(timeZone);
  const today = localParts(now, zone);
  const todayMs = Date.UTC(today.year, today.month - 1, today.day);
  let best: NextSession | null = null;
  // From yesterday (a meeting running past midnight) to the same weekday next week.
  for (let d = -1; d <= 7; d++) {
    const date = new Date(todayMs + d * DAY_MS);
    const weekday = ((date.getUTCDay() + 6) % 7) + 1; // 1 = Monday
    for (const slot of slots) {
      if (slot.weekday !== weekday) continue;
      const startMs = zonedToUtc(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), slot.startMinute, zone);
      const endMs = startMs + Math.max(0, slot.durationMinutes) * MINUTE_MS;
      if (endMs <= now) continue;
      if (best && best.startMs <= startMs) continue;
      best = { startMs, endMs, slot, inProgress: startMs <= now, zone, fellBack, roomZone: timeZone };
    }
  }
  return best;
}

/** "Tuesday 12:10 PM (America/New_York)", in the session's zone and the reader's locale. */
export function formatSessionTime(n: NextSession, locale?: string): string {
  const when = new Intl.DateTimeFormat(locale, {
    timeZone: n.zone,
    weekday: 'long',
    hour: 'numeric',
    minute: '2-digit',
  })
    .format(n.startMs)
    .replace(/\s+/g, ' '); // ICU puts a narrow no-break space before AM/PM
  if (!n.fellBack) return `${when} (${n.zone})`;
  const why = n.roomZone.trim()
    ? `the room's time zone "${n.roomZone.trim()}" isn't recognised`
    : "the room's time zone isn't set";
  return `${when} (UTC — ${why})`;
}

// ---- the banner -----------------------------------------------------------------------------

export type BannerKind = 'live' | 'paused' | 'closed';

export interface SessionBanner {
  kind: BannerKind;
  text: string;
}

/** What the room's session banner says; null when the server runs rooms without sessions. */
export function sessionBanner(
  s: SessionInfo | null,
  me: Member | null,
  now: number,
  locale?: string,
): SessionBanner | null {
  if (!s || !s.required) return null;
  if (s.open && s.facilitatorPresent) {
    const by = s.openedBy;
    if (!by) return { kind: 'live', text: 'Live — the session is open' };
    const you = me && by.userId === me.userId ? ' (you)' : '';
    return { kind: 'live', text: `Live — session opened by ${by.displayName}${you}` };
  }
  if (s.open) return { kind: 'paused', text: 'Paused — waiting for the facilitator' };
  const next = nextSession(s.schedule, s.timeZone, now);
  if (!next) return { kind: 'closed', text: 'Not meeting now — the facilitator will open the next session' };
  const when = formatSessionTime(next, locale);
  if (next.inProgress) {
    return { kind: 'closed', text: `Not meeting yet — the session planned for ${when} starts when the facilitator opens it` };
  }
  return { kind: 'closed', text: `Not meeting now — next session ${when}` };
}

// ---- posting ----------------------------------------------------------------------------------

/**
 * Why this user cannot post in the room now (null: they can): the agreement, a facilitator's
 * mute of this student or lock of the room, or no live session.
 */
export type PostBlock = 'agreement' | 'muted' | 'locked' | 'not-live' | null;

/** When and how a PostBlock is shown (a mute's deadline, the clock to show it against). */
export interface PostBlockContext {
  /** This student's mute, in this browser's clock (Unix ms). */
  mutedUntilMs?: number;
  now?: number;
  locale?: string;
}

/** The words for a PostBlock, shown by the disabled composer. */
export function postBlockText(block: PostBlock, s: SessionInfo | null, ctx: PostBlockContext = {}): string {
  switch (block) {
    case 'agreement':
      return 'Please read the group agreement and choose “I agree” to start posting.';
    case 'muted':
      return mutedReason(ctx.mutedUntilMs ?? 0, ctx.now ?? Date.now(), ctx.locale);
    case 'locked':
      return LOCKED_REASON;
    case 'not-live':
      return s?.open
        ? "The session is paused until the facilitator is back. You can keep reading; you'll be able to post again when they return."
        : "You can read along now. You'll be able to post once the facilitator opens the session.";
    default:
      return '';
  }
}
