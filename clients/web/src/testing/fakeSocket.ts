// Test support (never bundled): a fake WebSocket that records the ClientFrames sent and
// delivers ServerFrames, a ChatClient connected through it, and Lunch Bunch (room 7) with its
// people and messages as the server would send them.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { afterEach, beforeEach, vi } from 'vitest';
import { ChatClient } from '../chat';
import { ClientFrameSchema, ServerFrameSchema } from '../gen/circles/v1/circles_pb';
import type { ClientFrame, EscalationSchema, JoinResultSchema } from '../gen/circles/v1/circles_pb';
import { EscalationSource, EscalationState, MessageStatus, Role } from '../proto';

export type ServerInit = MessageInitShape<typeof ServerFrameSchema>;

export class FakeSocket {
  constructor(readonly protocols: string[] = []) {}
  readyState = 1;
  binaryType = '';
  sent: ClientFrame[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  send(bytes: Uint8Array) {
    this.sent.push(fromBinary(ClientFrameSchema, bytes));
  }
  close() {
    this.readyState = 3;
  }
  /** The upgrade succeeded (a real socket's open event). */
  open() {
    this.onopen?.();
  }
  deliver(init: ServerInit) {
    const bytes = toBinary(ServerFrameSchema, create(ServerFrameSchema, init));
    this.onmessage?.({ data: bytes.slice().buffer });
  }
  /** Several frames as one FrameBatch message, as the server sends what queued behind a write. */
  deliverBatch(inits: ServerInit[]) {
    const frames = inits.map((i) => toBinary(ServerFrameSchema, create(ServerFrameSchema, i)));
    this.deliver({ body: { case: 'batch', value: { frames } } });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
  /** The NeedToTalk frames sent so far. */
  talks() {
    return this.sent.flatMap((f) => (f.body.case === 'needToTalk' ? [{ requestId: f.requestId, ...f.body.value }] : []));
  }
  /** The frames of one kind sent so far. */
  frames<C extends NonNullable<ClientFrame['body']['case']>>(c: C) {
    return this.sent.filter((f) => f.body.case === c) as (ClientFrame & { body: { case: C } })[];
  }
  /** The request id of the last frame of this kind. */
  lastId(c: NonNullable<ClientFrame['body']['case']>): bigint {
    const all = this.frames(c);
    if (all.length === 0) throw new Error(`no ${c} frame was sent`);
    return all[all.length - 1].requestId;
  }
}

export const sockets: FakeSocket[] = [];
export const last = () => sockets[sockets.length - 1];

export function resetSockets() {
  sockets.length = 0;
}

/** For a test file: every test starts with no sockets and this browser's clock at `now` (faked). */
export function withFakeClock(now: number) {
  beforeEach(() => {
    resetSockets();
    vi.stubGlobal('WebSocket', { OPEN: 1 });
    vi.useFakeTimers({ now });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
}

export function newClient(talkTimeoutMs?: number): ChatClient {
  return new ChatClient({
    url: 'ws://test/ws',
    talkTimeoutMs,
    createSocket: (_url: string, protocols: string[]) => {
      const s = new FakeSocket(protocols);
      sockets.push(s);
      return s as unknown as WebSocket;
    },
  });
}

/** Hello as user `userId`, then the answer to ListRooms: Lunch Bunch (room 7). */
export function hello(role: Role, name: string, userId = 1n, serverTimeMs = 0n) {
  last().deliver({ body: { case: 'hello', value: { me: { userId, displayName: name, role }, serverTimeMs } } });
  last().deliver({
    requestId: last().lastId('listRooms'),
    body: { case: 'rooms', value: { rooms: [{ roomId: 7n, name: 'Lunch Bunch', kind: 'social_group', epoch: 1n }] } },
  });
}

export function connect(role: Role, name = 'Blue Heron', userId = 1n, serverTimeMs = 0n): ChatClient {
  const client = newClient();
  client.start();
  hello(role, name, userId, serverTimeMs);
  return client;
}

// ---- Lunch Bunch (room 7) ------------------------------------------------------------------

export const fox = { userId: 2n, displayName: 'Quiet Fox', role: Role.STUDENT };
export const heron = { userId: 1n, displayName: 'Blue Heron', role: Role.STUDENT };
export const rivera = { userId: 6n, displayName: 'Ms. Rivera', role: Role.FACILITATOR };
export const rules = [
  { number: 1, text: 'Be kind.' },
  { number: 3, text: 'Keep it safe.' },
];

export type JoinInit = Omit<MessageInitShape<typeof JoinResultSchema>, '$typeName'>;

/** A MessageEvent of room 7, written by `sender` (Quiet Fox). */
export const wireMsg = (seq: number, sender = fox, status = MessageStatus.VISIBLE, text = `m${seq}`) => ({
  roomId: 7n,
  seq: BigInt(seq),
  epoch: 1n,
  sender,
  text,
  sentAtMs: 1000n,
  clientMsgId: `c${seq}`,
  status,
});

/** Open Lunch Bunch and answer the join (everyone present, the agreement accepted). */
export function join(c: ChatClient, extra: Partial<JoinInit> = {}, seqs = [1, 2], lastSeq = 2) {
  c.openRoom('7');
  last().deliver({
    requestId: last().lastId('join'),
    body: {
      case: 'joined',
      value: {
        room: { roomId: 7n, name: 'Lunch Bunch', kind: 'social_group', epoch: 1n, lastSeq: BigInt(lastSeq) },
        messages: seqs.map((s) => wireMsg(s)),
        present: [heron, fox, rivera],
        agreement: { version: 'v1', rules, accepted: true, required: false },
        ...extra,
      },
    },
  });
}

/** Lunch Bunch's state in the client. */
export const room = (c: ChatClient) => c.state.roomStates['7'];

/** A server frame on the last socket: an event (request id 0) or the answer to `requestId`. */
export const event = (body: ServerInit['body'], requestId = 0n) => last().deliver({ requestId, body });

// ---- a counselor: Mr. Okafor, in no room ----------------------------------------------------

export type EscInit = Omit<MessageInitShape<typeof EscalationSchema>, '$typeName'>;

/** Open escalation `id` about Blue Heron in Lunch Bunch, made at `atMs` (server time), re-paged 5 min on. */
export const wireEscalation = (id: bigint, atMs: number, extra: Partial<EscInit> = {}): EscInit => ({
  escalationId: id,
  roomId: 7n,
  roomName: 'Lunch Bunch',
  categories: ['self_harm'],
  source: EscalationSource.RISK_RULE,
  createdAtMs: BigInt(atMs),
  deadlineMs: BigInt(atMs + 5 * 60_000),
  pageLevel: 0,
  state: EscalationState.OPEN,
  text: 'i want to kill myself',
  sender: heron,
  ...extra,
});

export const okafor = { userId: 8n, displayName: 'Mr. Okafor', role: Role.COUNSELOR };

/** Hello as Mr. Okafor with the server's clock at `serverTimeMs`, then the empty room list. */
export function helloCounselor(serverTimeMs: number) {
  last().deliver({ body: { case: 'hello', value: { me: okafor, serverTimeMs: BigInt(serverTimeMs) } } });
  last().deliver({ requestId: last().lastId('listRooms') });
}

export function newCounselor(serverTimeMs: number): ChatClient {
  const c = newClient();
  c.start();
  helloCounselor(serverTimeMs);
  return c;
}

/** Answer every ListEscalations of the current connection from the lists by state (empty if not given). */
export function answerLists(open: EscInit[], acknowledged: EscInit[] = [], inProgress: EscInit[] = []) {
  const lists: Partial<Record<EscalationState, EscInit[]>> = {
    [EscalationState.OPEN]: open,
    [EscalationState.ACKNOWLEDGED]: acknowledged,
    [EscalationState.IN_PROGRESS]: inProgress,
  };
  for (const f of last().frames('listEscalations')) {
    event({ case: 'escalations', value: { escalations: lists[f.body.value.state] ?? [] } }, f.requestId);
  }
}
