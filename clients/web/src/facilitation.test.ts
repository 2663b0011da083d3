import { describe, expect, it } from 'vitest';
import {
  REASON_MAX_BYTES,
  actionButton,
  actionTitle,
  citationProblem,
  clockText,
  controlsBanner,
  controlsText,
  mutedReason,
  mutedText,
  normalizeReason,
  removedFromRoomText,
  removedText,
  slowModeLabel,
} from './facilitation';
import { Role } from './proto';
import type { GroundRule, Member } from './proto';
import { postBlockText } from './sessions';

const rules: GroundRule[] = [
  { number: 1, text: 'Be kind.' },
  { number: 3, text: 'Keep it safe.' },
];
const alex: Member = { userId: '1', displayName: 'Blue Heron', role: Role.STUDENT };

describe('the citation', () => {
  it('needs one of the room’s ground rules', () => {
    expect(citationProblem(rules, { groundRule: 0, reason: 'Insults' })?.field).toBe('rule');
    expect(citationProblem(rules, { groundRule: 2, reason: 'Insults' })?.field).toBe('rule');
    expect(citationProblem([], { groundRule: 1, reason: 'Insults' })?.field).toBe('rule');
    expect(citationProblem(rules, { groundRule: 3, reason: 'Shared a phone number' })).toBeNull();
  });

  it('needs a reason of 1-200 bytes on one line', () => {
    expect(citationProblem(rules, { groundRule: 1, reason: '' })?.field).toBe('reason');
    expect(citationProblem(rules, { groundRule: 1, reason: '   \n ' })?.field).toBe('reason');
    expect(citationProblem(rules, { groundRule: 1, reason: 'x'.repeat(REASON_MAX_BYTES) })).toBeNull();
    expect(citationProblem(rules, { groundRule: 1, reason: 'x'.repeat(REASON_MAX_BYTES + 1) })?.field).toBe('reason');
    // Bytes, not characters: 101 × "é" is 202 bytes.
    const accented = citationProblem(rules, { groundRule: 1, reason: 'é'.repeat(101) });
    expect(accented?.field).toBe('reason');
    expect(accented?.text).toMatch(/202/);
  });

  it('is sent trimmed, on one line', () => {
    expect(normalizeReason('  name-calling\r\n  again ')).toBe('name-calling again');
  });
});

describe('what the room reads', () => {
  it('a removed message names the ground rule', () => {
    expect(removedText(1)).toBe('Removed by the facilitator (ground rule 1)');
    expect(removedText(0)).toBe('Removed by the facilitator');
    expect(removedText(undefined)).toBe('Removed by the facilitator');
  });

  it('the controls banner', () => {
    expect(controlsBanner(null)).toEqual([]);
    expect(controlsBanner({ locked: false, slowModeSeconds: 0, groundRule: 0, by: null })).toEqual([]);
    expect(controlsBanner({ locked: true, slowModeSeconds: 30, groundRule: 1, by: null })).toEqual([
      'The facilitator has made this room read-only',
      'Slow mode: one message every 30 seconds',
    ]);
    expect(controlsBanner({ locked: false, slowModeSeconds: 1, groundRule: 1, by: null })).toEqual([
      'Slow mode: one message every 1 second',
    ]);
  });

  it('a muted student is told until when, today or another day', () => {
    const now = new Date(2026, 10, 24, 12, 0).getTime(); // local time
    const until = new Date(2026, 10, 24, 12, 45).getTime();
    const today = clockText(until, now, 'en-US');
    expect(today).toBe('12:45 PM');
    expect(mutedReason(until, now, 'en-US')).toBe(
      'The facilitator has paused your messages until 12:45 PM. You can keep reading, and “I need to talk” still works.',
    );
    expect(clockText(new Date(2026, 10, 25, 9, 5).getTime(), now, 'en-US')).toBe('Wed 9:05 AM');
    expect(postBlockText('muted', null, { mutedUntilMs: until, now, locale: 'en-US' })).toMatch(
      /^The facilitator has paused your messages until 12:45 PM\./,
    );
    expect(postBlockText('locked', null)).toMatch(/^The facilitator has made this room read-only/);
  });

  it('a removed student is told calmly what happened and whom to talk to', () => {
    expect(removedFromRoomText('Lunch Bunch')).toBe(
      'You were removed from Lunch Bunch by the facilitator. If you think this is a mistake, talk to your facilitator or a counselor.',
    );
  });
});

describe('the console', () => {
  it('names each action', () => {
    expect(actionTitle({ kind: 'mute', member: alex, minutes: 5 })).toBe('Mute Blue Heron?');
    expect(actionTitle({ kind: 'remove-member', member: alex })).toBe('Remove Blue Heron from the room?');
    expect(actionButton({ kind: 'lock', locked: true })).toBe('Lock room');
    expect(actionButton({ kind: 'lock', locked: false })).toBe('Unlock room');
    expect(actionButton({ kind: 'reject', seq: 2, sender: alex })).toBe('Reject');
    expect(actionTitle({ kind: 'slow-mode', seconds: 0 })).toBe('Turn off slow mode?');
  });

  it('says what an action did', () => {
    const now = new Date(2026, 10, 24, 12, 0).getTime();
    expect(mutedText(alex, new Date(2026, 10, 24, 12, 5).getTime(), now, 'en-US')).toBe('Blue Heron is muted until 12:05 PM.');
    expect(mutedText(alex, 0, now)).toBe('Blue Heron can post again.');
    expect(controlsText({ locked: true, slowModeSeconds: 60, groundRule: 5, by: null })).toBe(
      'The room is read-only for students; slow mode 1 min (ground rule 5).',
    );
    expect([0, 10, 30, 60, 120].map(slowModeLabel)).toEqual(['Off', '10 s', '30 s', '1 min', '2 min']);
  });
});
