import { describe, expect, it } from 'vitest';
import {
  ESCALATION_PAGE,
  ackFailed,
  acknowledgedEscalations,
  acknowledgedText,
  agoText,
  alertText,
  applyAcked,
  applyList,
  categoriesText,
  countdownText,
  escalationsDisconnected,
  isOverdue,
  listFailed,
  noEscalations,
  openCount,
  openEscalations,
  requestLists,
  sourceLabel,
  startAck,
  titleText,
  upsertEscalation,
  whatText,
} from './escalations';
import type { Escalations } from './escalations';
import { EscalationSource, EscalationState } from './proto';
import type { EscalationInfo } from './proto';
import { blueHeron as heron, mrOkafor as okafor, plainEscalation } from './testing/fixtures';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 27, 20, 0); // a Friday, 3 pm in New York

const esc = (id: string, extra: Partial<EscalationInfo> = {}) => plainEscalation(id, T0, extra);

const acked = (id: string, atMs: number, by = '8', extra: Partial<EscalationInfo> = {}) =>
  esc(id, { state: EscalationState.ACKNOWLEDGED, acknowledgedBy: by, acknowledgedAtMs: atMs, ...extra });

function withItems(...items: EscalationInfo[]): Escalations {
  let s = noEscalations;
  for (const e of items) s = upsertEscalation(s, e).state;
  return s;
}

const ids = (list: EscalationInfo[]) => list.map((e) => e.escalationId);

describe('upsert by id', () => {
  it('adds a new escalation once, and says so', () => {
    const r1 = upsertEscalation(noEscalations, esc('41'));
    expect(r1.change).toBe('added');
    const r2 = upsertEscalation(r1.state, esc('41'));
    expect(r2.change).toBe('none');
    expect(r2.state).toBe(r1.state); // the same object: nothing to re-render
    expect(Object.keys(r2.state.items)).toEqual(['41']);
  });

  it('a re-page to the next level updates the item in place', () => {
    const s = withItems(esc('41'));
    const r = upsertEscalation(s, esc('41', { pageLevel: 1, deadlineMs: T0 + 10 * MIN }));
    expect(r.change).toBe('repaged');
    expect(r.state.items['41']).toMatchObject({ pageLevel: 1, deadlineMs: T0 + 10 * MIN });
    expect(openCount(r.state)).toBe(1);
  });

  it('never goes back: an older copy arriving late is ignored', () => {
    const s = withItems(acked('41', T0 + MIN));
    const r = upsertEscalation(s, esc('41', { pageLevel: 1 })); // the re-page sent just before the ack
    expect(r.change).toBe('none');
    expect(r.state.items['41'].state).toBe(EscalationState.ACKNOWLEDGED);
    const lower = upsertEscalation(withItems(esc('42', { pageLevel: 2 })), esc('42', { pageLevel: 1 }));
    expect(lower.state.items['42'].pageLevel).toBe(2);
  });

  it('a copy without text or sender keeps what we had', () => {
    const s = withItems(esc('41'));
    const r = upsertEscalation(s, acked('41', T0 + MIN, '8', { text: '', sender: null }));
    expect(r.state.items['41']).toMatchObject({ text: 'i want to kill myself', sender: heron });
    expect(r.state.items['41'].state).toBe(EscalationState.ACKNOWLEDGED);
  });

  it('ignores an escalation without an id', () => {
    expect(upsertEscalation(noEscalations, esc('0')).state).toBe(noEscalations);
  });
});

describe('ordering and sections', () => {
  it('open ones oldest first; acknowledged ones most recently acknowledged first', () => {
    const s = withItems(
      esc('12', { createdAtMs: T0 + 2 * MIN }),
      esc('9', { createdAtMs: T0 }),
      esc('10', { createdAtMs: T0 }), // same time: by id, as numbers (9 before 10)
      acked('3', T0 - 50 * MIN),
      acked('4', T0 - 5 * MIN),
    );
    expect(ids(openEscalations(s))).toEqual(['9', '10', '12']);
    expect(ids(acknowledgedEscalations(s))).toEqual(['4', '3']);
    expect(openCount(s)).toBe(3);
  });

  it('an acknowledgement moves the item from Open to Acknowledged', () => {
    let s = withItems(esc('41'), esc('42', { createdAtMs: T0 + MIN }));
    s = startAck(s, '41');
    expect(s.acking).toEqual({ '41': true });
    s = applyAcked(s, acked('41', T0 + 3 * MIN));
    expect(ids(openEscalations(s))).toEqual(['42']);
    expect(ids(acknowledgedEscalations(s))).toEqual(['41']);
    expect(s.acking).toEqual({});
  });

  it('another counselor acknowledging (an event) also clears my pending ack', () => {
    let s = startAck(withItems(esc('41')), '41');
    s = upsertEscalation(s, acked('41', T0 + MIN, '9')).state;
    expect(s.acking).toEqual({});
    expect(openCount(s)).toBe(0);
  });

  it('acknowledge is asked once, only for an open item; a failure or a drop brings the button back', () => {
    let s = withItems(esc('41'), acked('5', T0));
    expect(startAck(s, '5')).toBe(s);
    expect(startAck(s, 'missing')).toBe(s);
    s = startAck(s, '41');
    expect(startAck(s, '41')).toBe(s);
    expect(ackFailed(s, '41').acking).toEqual({});
    expect(escalationsDisconnected(s).acking).toEqual({});
  });
});

describe('lists after a (re)connect', () => {
  it('a complete list drops what left that state while we were away', () => {
    // Held from before the drop: 41 open, 42 open, 5 acknowledged.
    let s = withItems(esc('41'), esc('42'), acked('5', T0));
    s = requestLists(s);
    expect(s.lists).toEqual({
      [EscalationState.OPEN]: 'loading',
      [EscalationState.ACKNOWLEDGED]: 'loading',
      [EscalationState.IN_PROGRESS]: 'loading',
    });
    // 43 arrived as an event after the request: it is not stale.
    s = upsertEscalation(s, esc('43')).state;
    // 42 was acknowledged elsewhere: it is only in the acknowledged list.
    s = applyList(s, EscalationState.OPEN, [esc('41')], true);
    expect(ids(openEscalations(s))).toEqual(['41', '43']);
    s = applyList(s, EscalationState.ACKNOWLEDGED, [acked('5', T0), acked('42', T0 + MIN, '9')], true);
    expect(ids(acknowledgedEscalations(s))).toEqual(['42', '5']);
    expect(s.stale).toEqual({});
    expect(s.lists[EscalationState.OPEN]).toBe('loaded');
  });

  it('a full page may be cut short: nothing is dropped', () => {
    let s = requestLists(withItems(esc('41')));
    const page = Array.from({ length: ESCALATION_PAGE }, (_, i) => esc(String(100 + i)));
    s = applyList(s, EscalationState.OPEN, page, false);
    expect(s.items['41']).toBeDefined();
  });

  it('a failed list says why', () => {
    const s = listFailed(requestLists(noEscalations), EscalationState.OPEN, 'Something went wrong.');
    expect(s.error).toBe('Something went wrong.');
    expect(s.lists[EscalationState.OPEN]).toBe('failed');
    expect(requestLists(s).error).toBe('');
  });
});

describe('texts', () => {
  it('counts down to the deadline, then says it is overdue', () => {
    const e = esc('41', { deadlineMs: T0 + 5 * MIN, pageLevel: 1 });
    expect(countdownText(e, T0 + 28_000)).toBe('re-pages in 4:32');
    expect(countdownText(e, T0 + 5 * MIN - 1)).toBe('re-pages in 0:01');
    expect(countdownText(e, T0 + 5 * MIN)).toBe('overdue — paged level 1');
    expect(isOverdue(e, T0 + 5 * MIN)).toBe(true);
    expect(isOverdue(e, T0)).toBe(false);
    expect(countdownText(esc('42', { deadlineMs: T0 + 65 * MIN + 5_000 }), T0)).toBe('re-pages in 1:05:05');
    expect(countdownText(esc('43', { deadlineMs: 0 }), T0)).toBe('');
    expect(countdownText(acked('44', T0), T0)).toBe('');
  });

  it('how long ago', () => {
    expect(agoText(T0, T0 + 30_000)).toBe('just now');
    expect(agoText(T0, T0 + 4 * MIN + 59_000)).toBe('4 min ago');
    expect(agoText(T0, T0 + 125 * MIN)).toBe('2 h 5 min ago');
    expect(agoText(T0, T0 + 120 * MIN)).toBe('2 h ago');
    expect(agoText(T0, T0 + 49 * 60 * MIN)).toBe('2 days ago');
    expect(agoText(0, T0)).toBe('');
  });

  it('labels source and categories for people', () => {
    expect(sourceLabel(EscalationSource.RISK_RULE)).toBe('Risk detected in a message');
    expect(sourceLabel(EscalationSource.NEED_TO_TALK)).toMatch(/I need to talk/);
    expect(sourceLabel(EscalationSource.PEER_REPORT)).toBe('Reported by another student');
    expect(sourceLabel(EscalationSource.FACILITATOR)).toBe('Raised by the facilitator');
    expect(categoriesText(['self_harm', 'abuse_disclosure', 'brand_new'])).toBe('Self-harm, Abuse disclosure, Brand new');
  });

  it('says who acknowledged', () => {
    expect(acknowledgedText(acked('41', T0, '8'), okafor, '3:04 PM')).toBe('Acknowledged by you at 3:04 PM');
    expect(acknowledgedText(acked('41', T0, '9'), okafor, '3:04 PM')).toBe('Acknowledged by another counselor at 3:04 PM');
    expect(acknowledgedText(esc('41'), okafor, '3:04 PM')).toBe('');
  });

  it('the page title counts the open ones', () => {
    expect(titleText(2)).toBe('(2) Circles');
    expect(titleText(0)).toBe('Circles');
    const s = withItems(esc('1'), esc('2'), acked('3', T0));
    expect(titleText(openCount(s))).toBe('(2) Circles');
  });

  it('alerts for a new or re-paged open escalation only', () => {
    expect(alertText(esc('41'), 'added')).toBe(
      'New escalation: Blue Heron in Lunch Bunch — Risk detected in a message: Self-harm.',
    );
    expect(alertText(esc('41', { pageLevel: 1 }), 'repaged')).toMatch(/^Still not acknowledged, paged level 1: Blue Heron/);
    expect(alertText(esc('41'), 'changed')).toBe('');
    const talk = esc('45', { source: EscalationSource.NEED_TO_TALK, categories: ['need_to_talk'], text: '' });
    expect(alertText(talk, 'added')).toBe('New escalation: Blue Heron in Lunch Bunch — Asked to talk (“I need to talk”).');
    expect(whatText(esc('41'), ' · ')).toBe('Risk detected in a message · Self-harm');
    expect(alertText(acked('41', T0), 'added')).toBe('');
  });
});
