// The controller's counselor dashboard over a fake WebSocket: which frames a counselor's client
// sends (ListEscalations on every connect, AckEscalation), and how lists, events and answers
// land in its state.
import { describe, expect, it, vi } from 'vitest';
import type { ChatClient } from './chat';
import { acknowledgedEscalations, openEscalations } from './escalations';
import { ErrorCode, EscalationState, Role } from './proto';
import {
  answerLists,
  connect,
  event,
  helloCounselor,
  last,
  newCounselor,
  sockets,
  wireEscalation,
  withFakeClock,
} from './testing/fakeSocket';
import type { EscInit } from './testing/fakeSocket';

const NOW = Date.UTC(2026, 10, 27, 20, 0);
const MIN = 60_000;
/** The server's clock runs a minute ahead of this browser's. */
const SKEW = MIN;

const wireEsc = (id: bigint, extra: Partial<EscInit> = {}) => wireEscalation(id, NOW + SKEW, extra);
const counselor = () => newCounselor(NOW + SKEW);

const openIds = (c: ChatClient) => openEscalations(c.state.escalations).map((e) => e.escalationId);
const ackedIds = (c: ChatClient) => acknowledgedEscalations(c.state.escalations).map((e) => e.escalationId);

withFakeClock(NOW);

describe('a counselor', () => {
  it('asks for the open, the acknowledged and the in-progress escalations on connect', () => {
    const c = counselor();
    const asked = last()
      .frames('listEscalations')
      .map((f) => [f.body.value.state, f.body.value.limit > 0]);
    expect(asked).toEqual([
      [EscalationState.OPEN, true],
      [EscalationState.ACKNOWLEDGED, true],
      [EscalationState.IN_PROGRESS, true],
    ]);
    expect(c.state.escalations.lists[EscalationState.OPEN]).toBe('loading');
    c.stop();
  });

  it('shows the lists, with deadlines moved into this browser’s clock', () => {
    const c = counselor();
    answerLists(
      [wireEsc(41n), wireEsc(40n, { createdAtMs: BigInt(NOW + SKEW - 10 * MIN) })],
      [wireEsc(39n, { state: EscalationState.ACKNOWLEDGED, acknowledgedBy: 9n, acknowledgedAtMs: BigInt(NOW) })],
    );
    expect(openIds(c)).toEqual(['40', '41']);
    expect(ackedIds(c)).toEqual(['39']);
    const e = c.state.escalations.items['41'];
    expect(e.deadlineMs).toBe(NOW + 5 * MIN);
    expect(e.createdAtMs).toBe(NOW);
    expect(e).toMatchObject({ roomName: 'Lunch Bunch', text: 'i want to kill myself', sender: { displayName: 'Blue Heron' } });
    expect(c.state.escalationAlert).toBeNull(); // what was already there is not news
    c.stop();
  });

  it('an answer with no body is an empty list', () => {
    const c = counselor();
    for (const f of last().frames('listEscalations')) last().deliver({ requestId: f.requestId });
    expect(c.state.escalations.lists).toEqual({
      [EscalationState.OPEN]: 'loaded',
      [EscalationState.ACKNOWLEDGED]: 'loaded',
      [EscalationState.IN_PROGRESS]: 'loaded',
    });
    expect(openIds(c)).toEqual([]);
    c.stop();
  });

  it('an EscalationEvent adds an item once and raises the alert', () => {
    const c = counselor();
    answerLists([]);
    event({ case: 'escalation', value: { escalation: wireEsc(41n), pagedUserIds: [8n] } });
    expect(openIds(c)).toEqual(['41']);
    expect(c.state.escalations.items['41'].deadlineMs).toBe(NOW + 5 * MIN); // server time moved to ours
    const alert = c.state.escalationAlert;
    expect(alert?.text).toBe('New escalation: Blue Heron in Lunch Bunch — Risk detected in a message: Self-harm.');
    expect(alert?.escalationId).toBe('41');
    // The same page again (another node): no second alert.
    event({ case: 'escalation', value: { escalation: wireEsc(41n), pagedUserIds: [8n] } });
    expect(c.state.escalationAlert).toBe(alert);
    // Re-paged to the next level: the alert says it is still open.
    event({
      case: 'escalation',
      value: { escalation: wireEsc(41n, { pageLevel: 1, deadlineMs: BigInt(NOW + SKEW + 10 * MIN) }), pagedUserIds: [9n] },
    });
    expect(c.state.escalations.items['41'].pageLevel).toBe(1);
    expect(c.state.escalationAlert?.text).toMatch(/^Still not acknowledged, paged level 1/);
    c.dismissEscalationAlert();
    expect(c.state.escalationAlert).toBeNull();
    c.stop();
  });

  it('Acknowledge sends AckEscalation once and applies EscalationAcked', () => {
    const c = counselor();
    answerLists([wireEsc(41n)]);
    c.acknowledgeEscalation('41');
    c.acknowledgeEscalation('41'); // a second press while waiting sends nothing
    const acks = last().frames('ackEscalation');
    expect(acks.map((f) => f.body.value.escalationId)).toEqual([41n]);
    expect(c.state.escalations.acking).toEqual({ '41': true });
    event(
      {
        case: 'escalationAcked',
        value: {
          escalation: wireEsc(41n, {
            state: EscalationState.ACKNOWLEDGED,
            acknowledgedBy: 8n,
            acknowledgedAtMs: BigInt(NOW + SKEW + 30_000),
          }),
        },
      },
      acks[0].requestId,
    );
    expect(openIds(c)).toEqual([]);
    expect(ackedIds(c)).toEqual(['41']);
    expect(c.state.escalations.items['41']).toMatchObject({ acknowledgedBy: '8', acknowledgedAtMs: NOW + 30_000 });
    expect(c.state.escalations.acking).toEqual({});
    c.acknowledgeEscalation('41'); // acknowledged already: nothing to send
    expect(last().frames('ackEscalation')).toHaveLength(1);
    c.stop();
  });

  it('an unknown escalation: says so and lists again', () => {
    const c = counselor();
    answerLists([wireEsc(41n)]);
    c.acknowledgeEscalation('41');
    event(
      { case: 'error', value: { code: ErrorCode.ESCALATION_NOT_FOUND, message: 'there is no such escalation' } },
      last().lastId('ackEscalation'),
    );
    expect(c.state.alert?.text).toMatch(/isn't there any more/);
    expect(c.state.escalations.acking).toEqual({});
    expect(last().frames('listEscalations')).toHaveLength(6);
    c.stop();
  });

  it('a refused list shows why', () => {
    const c = counselor();
    const open = last().frames('listEscalations')[0];
    event({ case: 'error', value: { code: ErrorCode.UNKNOWN_FRAME } }, open.requestId);
    expect(c.state.escalations.error).toBe("This server doesn't support the counselor dashboard yet.");
    expect(c.state.escalations.lists[EscalationState.OPEN]).toBe('failed');
    c.stop();
  });

  it('after a reconnect: lists again; one acknowledged elsewhere meanwhile moves', async () => {
    const c = counselor();
    answerLists([wireEsc(41n), wireEsc(42n)]);
    c.acknowledgeEscalation('42');
    last().drop();
    expect(c.state.escalations.acking).toEqual({}); // that answer will not come
    await vi.advanceTimersByTimeAsync(15_000);
    expect(sockets.length).toBe(2);
    helloCounselor(NOW + SKEW);
    expect(last().frames('listEscalations')).toHaveLength(3);
    answerLists(
      [wireEsc(41n)],
      [wireEsc(42n, { state: EscalationState.ACKNOWLEDGED, acknowledgedBy: 9n, acknowledgedAtMs: BigInt(NOW + SKEW) })],
    );
    expect(openIds(c)).toEqual(['41']);
    expect(ackedIds(c)).toEqual(['42']);
    c.stop();
  });

  it('gets no separate "asked to talk" notice: the dashboard lists it', () => {
    const c = counselor();
    event({
      case: 'needToTalk',
      value: { roomId: 7n, roomName: 'Lunch Bunch', escalationId: 43n, atMs: 5n, student: { userId: 1n, displayName: 'Blue Heron' } },
    });
    expect(c.state.talkNotices.items).toEqual([]);
    c.stop();
  });
});

describe('anyone else', () => {
  it('never lists escalations; an admin’s page does not fill a dashboard', () => {
    for (const role of [Role.STUDENT, Role.FACILITATOR, Role.ADMIN]) {
      const c = connect(role, 'Someone', 3n);
      expect(last().frames('listEscalations')).toEqual([]);
      event({ case: 'escalation', value: { escalation: wireEsc(41n, { text: '', sender: undefined }), pagedUserIds: [3n] } });
      expect(c.state.escalations.items).toEqual({});
      expect(c.state.escalationAlert).toBeNull();
      c.acknowledgeEscalation('41');
      expect(last().frames('ackEscalation')).toEqual([]);
      c.stop();
    }
  });
});
