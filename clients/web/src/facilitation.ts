// Facilitator actions as people see them: the citation every action carries (a ground rule of
// the room's agreement and a short reason) and its checks, the choices offered (mute lengths,
// slow mode), the room-controls banner, what a muted or removed student reads, and how each
// action is named when it is asked for and when it is done. Pure functions; times take an
// injectable `now` and locale. The state these act on lives in store.ts.
import type { ChatMessage, ControlsInfo, GroundRule, Member } from './proto';

/** Citation.reason: 1-200 bytes of UTF-8 on one line (the server checks the same). */
export const REASON_MAX_BYTES = 200;
/** What a facilitator may choose for a mute. */
export const MUTE_MINUTES = [5, 10, 30] as const;
/** What a facilitator may choose for slow mode (0 = off). */
export const SLOW_MODE_SECONDS = [0, 10, 30, 60, 120] as const;

/** Why a facilitator acted: `groundRule` is a GroundRule.number of the room's agreement. */
export interface Citation {
  groundRule: number;
  reason: string;
}

/** One facilitator action, as the console asks for it (the citation comes separately). */
export type FacAction =
  | { kind: 'approve'; seq: number; sender: Member }
  | { kind: 'reject'; seq: number; sender: Member }
  | { kind: 'remove-message'; seq: number; sender: Member }
  | { kind: 'mute'; member: Member; minutes: number }
  | { kind: 'unmute'; member: Member }
  | { kind: 'remove-member'; member: Member }
  | { kind: 'lock'; locked: boolean }
  | { kind: 'slow-mode'; seconds: number };

// ---- the citation -------------------------------------------------------------------------

export interface CitationProblem {
  field: 'rule' | 'reason';
  text: string;
}

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** "Keep the note shorter: …" when `text` is over `max` bytes of UTF-8, else null. */
export function tooLongText(what: string, text: string, max: number): string | null {
  const bytes = utf8Bytes(text);
  if (bytes <= max) return null;
  return `Keep the ${what} shorter: at most ${max} bytes (it is ${bytes}; accented letters and emoji count as more than one).`;
}

/** The reason as it is sent: trimmed, whitespace runs (a pasted line break) made one space. */
export function normalizeReason(reason: string): string {
  return reason.replace(/\s+/g, ' ').trim();
}

/** What is wrong with a citation before it is sent, or null when it may go. */
export function citationProblem(rules: GroundRule[], c: Citation): CitationProblem | null {
  if (!rules.some((r) => r.number === c.groundRule)) {
    return { field: 'rule', text: 'Choose the ground rule this is about.' };
  }
  const reason = normalizeReason(c.reason);
  if (!reason) return { field: 'reason', text: 'Give a short reason, in one line.' };
  const long = tooLongText('reason', reason, REASON_MAX_BYTES);
  return long ? { field: 'reason', text: long } : null;
}

// ---- time -----------------------------------------------------------------------------------

/** "12:45 PM" today, "Tue 12:45 PM" on another day, in the reader's locale and zone. */
export function clockText(ms: number, now: number, locale?: string): string {
  const time = new Date(ms)
    .toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' })
    .replace(/\s+/g, ' ');
  if (new Date(ms).toDateString() === new Date(now).toDateString()) return time;
  const day = new Date(ms).toLocaleDateString(locale, { weekday: 'short' });
  return `${day} ${time}`;
}

// ---- what the room reads ---------------------------------------------------------------------

/** A message a facilitator removed, in place of its text. */
export function removedText(groundRule: number | undefined): string {
  return groundRule ? `Removed by the facilitator (ground rule ${groundRule})` : 'Removed by the facilitator';
}

function seconds(n: number): string {
  return n === 1 ? '1 second' : `${n} seconds`;
}

/** The room-controls banner, one line each; empty when the room is open and not slowed. */
export function controlsBanner(c: ControlsInfo | null): string[] {
  if (!c) return [];
  const out: string[] = [];
  if (c.locked) out.push('The facilitator has made this room read-only');
  if (c.slowModeSeconds > 0) out.push(`Slow mode: one message every ${seconds(c.slowModeSeconds)}`);
  return out;
}

/** A locked room, for a student's disabled composer. */
export const LOCKED_REASON = 'The facilitator has made this room read-only for now. You can keep reading.';

/** A muted student's disabled composer. */
export function mutedReason(untilMs: number, now: number, locale?: string): string {
  return `The facilitator has paused your messages until ${clockText(untilMs, now, locale)}. You can keep reading, and “I need to talk” still works.`;
}

/** Shown to a student a facilitator removed from a room. */
export function removedFromRoomText(roomName: string): string {
  return `You were removed from ${roomName || 'the room'} by the facilitator. If you think this is a mistake, talk to your facilitator or a counselor.`;
}

// ---- the facilitator's console ------------------------------------------------------------------

/** "Off", "10 s", "1 min", "2 min": a slow-mode choice. */
export function slowModeLabel(secs: number): string {
  if (secs <= 0) return 'Off';
  if (secs % 60 === 0) return `${secs / 60} min`;
  return `${secs} s`;
}

/** The dialog's question for an action. */
export function actionTitle(a: FacAction): string {
  switch (a.kind) {
    case 'approve':
      return 'Approve this message?';
    case 'reject':
      return 'Reject this held message?';
    case 'remove-message':
      return 'Remove this message?';
    case 'mute':
      return `Mute ${a.member.displayName}?`;
    case 'unmute':
      return `Unmute ${a.member.displayName}?`;
    case 'remove-member':
      return `Remove ${a.member.displayName} from the room?`;
    case 'lock':
      return a.locked ? 'Make the room read-only?' : 'Unlock the room?';
    case 'slow-mode':
      return a.seconds > 0 ? `Turn on slow mode (${slowModeLabel(a.seconds)})?` : 'Turn off slow mode?';
  }
}

/** What happens if the facilitator goes ahead. */
export function actionEffect(a: FacAction, roomName: string): string {
  switch (a.kind) {
    case 'approve':
      return `Everyone in ${roomName} will see ${a.sender.displayName}'s message.`;
    case 'reject':
      return `Nobody else will see it; ${a.sender.displayName} sees it as removed.`;
    case 'remove-message':
      return 'Everyone will see “Removed by the facilitator” and the ground rule in its place.';
    case 'mute':
      return `${a.member.displayName} can keep reading but can't post until the time is up. Only they and the room's staff are told.`;
    case 'unmute':
      return `${a.member.displayName} can post again straight away.`;
    case 'remove-member':
      return `${a.member.displayName} leaves ${roomName} at once and can't come back unless staff add them again. Everyone sees that they left.`;
    case 'lock':
      return a.locked
        ? 'Students can keep reading but cannot post until you unlock it. Staff can still post.'
        : 'Students can post again.';
    case 'slow-mode':
      return a.seconds > 0
        ? `Each student can post one message every ${seconds(a.seconds)}.`
        : 'Students can post as often as they like again.';
  }
}

/** The dialog's confirm button. */
export function actionButton(a: FacAction): string {
  switch (a.kind) {
    case 'approve':
      return 'Approve';
    case 'reject':
      return 'Reject';
    case 'remove-message':
      return 'Remove message';
    case 'mute':
      return 'Mute';
    case 'unmute':
      return 'Unmute';
    case 'remove-member':
      return 'Remove from room';
    case 'lock':
      return a.locked ? 'Lock room' : 'Unlock room';
    case 'slow-mode':
      return a.seconds > 0 ? 'Set slow mode' : 'Turn off slow mode';
  }
}

/** Said (politely) while the action is on its way. */
export function actionPending(a: FacAction): string {
  switch (a.kind) {
    case 'approve':
      return 'Approving the message…';
    case 'reject':
      return 'Rejecting the message…';
    case 'remove-message':
      return 'Removing the message…';
    case 'mute':
      return `Muting ${a.member.displayName}…`;
    case 'unmute':
      return `Unmuting ${a.member.displayName}…`;
    case 'remove-member':
      return `Removing ${a.member.displayName} from the room…`;
    case 'lock':
      return a.locked ? 'Locking the room…' : 'Unlocking the room…';
    case 'slow-mode':
      return 'Changing slow mode…';
  }
}

const rule = (n: number) => (n ? ` (ground rule ${n})` : '');

/** A MessageModerated answer, for the console's live region. */
export function moderatedText(removed: boolean, groundRule: number): string {
  return removed ? `Message removed${rule(groundRule)}.` : 'Message approved: everyone can see it now.';
}

/** A MemberMuted answer or event, for staff. */
export function mutedText(member: Member, untilMs: number, now: number, locale?: string): string {
  return untilMs > 0
    ? `${member.displayName} is muted until ${clockText(untilMs, now, locale)}.`
    : `${member.displayName} can post again.`;
}

/** A MemberRemoved answer or event, for staff. */
export function memberRemovedText(member: Member, groundRule: number): string {
  return `${member.displayName} was removed from the room${rule(groundRule)}.`;
}

/** A RoomControls answer or event, for staff. */
export function controlsText(c: ControlsInfo): string {
  const lock = c.locked ? 'The room is read-only for students' : 'The room is open for students';
  const slow = c.slowModeSeconds > 0 ? `slow mode ${slowModeLabel(c.slowModeSeconds)}` : 'slow mode off';
  return `${lock}; ${slow}${rule(c.groundRule)}.`;
}

/** A new held message, read out to staff. */
export function heldAnnouncement(m: ChatMessage): string {
  return `Held for review — ${m.sender.displayName}: ${m.text}`;
}
