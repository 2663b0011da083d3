// Test support (never bundled): a fake WebSocket that records the ClientFrames sent and
// delivers ServerFrames, and a ChatClient connected through it.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ChatClient } from '../chat';
import { ClientFrameSchema, ServerFrameSchema } from '../gen/circles/v1/circles_pb';
import type { ClientFrame } from '../gen/circles/v1/circles_pb';
import type { Role } from '../proto';

export type ServerInit = MessageInitShape<typeof ServerFrameSchema>;

export class FakeSocket {
  readyState = 1;
  binaryType = '';
  sent: ClientFrame[] = [];
  onmessage: ((ev: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  send(bytes: Uint8Array) {
    this.sent.push(fromBinary(ClientFrameSchema, bytes));
  }
  close() {
    this.readyState = 3;
  }
  deliver(init: ServerInit) {
    const bytes = toBinary(ServerFrameSchema, create(ServerFrameSchema, init));
    this.onmessage?.({ data: bytes.slice().buffer });
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

export function newClient(talkTimeoutMs?: number): ChatClient {
  return new ChatClient({
    url: 'ws://test/ws',
    talkTimeoutMs,
    createSocket: () => {
      const s = new FakeSocket();
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
