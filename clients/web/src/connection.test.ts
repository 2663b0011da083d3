// The connection's framing: it asks for FrameBatch messages, and a batch's frames are handled
// one by one, in order, exactly as if each had come alone.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { toBinary, create } from '@bufbuild/protobuf';
import { BATCH_SUBPROTOCOL, Connection } from './connection';
import type { ConnectionHandlers } from './connection';
import { ErrorCode, Role } from './proto';
import type { ServerFrame } from './proto';
import { ServerFrameSchema } from './gen/circles/v1/circles_pb';
import { FakeSocket, wireMsg } from './testing/fakeSocket';

beforeEach(() => {
  vi.stubGlobal('WebSocket', { OPEN: 1 });
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function open() {
  const seen: string[] = [];
  const frames: ServerFrame[] = [];
  let authLost = 0;
  const handlers: ConnectionHandlers = {
    onReady: () => seen.push('ready'),
    onFrame: (f) => {
      frames.push(f);
      seen.push(f.body.case === 'message' ? `message ${f.body.value.seq}` : String(f.body.case));
    },
    onDisconnected: () => seen.push('disconnected'),
    onStatus: () => {},
    onAuthLost: () => (authLost += 1),
  };
  const sockets: FakeSocket[] = [];
  const conn = new Connection(handlers, {
    url: 'ws://test/ws',
    createSocket: (_url, protocols) => {
      const s = new FakeSocket(protocols);
      sockets.push(s);
      return s as unknown as WebSocket;
    },
  });
  conn.start();
  return { conn, sockets, seen, frames, authLost: () => authLost };
}

const helloInit = { body: { case: 'hello' as const, value: { me: { userId: 1n, displayName: 'Blue Heron', role: Role.STUDENT } } } };
const messageInit = (seq: number) => ({ body: { case: 'message' as const, value: wireMsg(seq) } });

describe('batched frames', () => {
  it('asks the server for batches when it opens the socket', () => {
    const { conn, sockets } = open();
    expect(sockets).toHaveLength(1);
    expect(sockets[0].protocols).toEqual([BATCH_SUBPROTOCOL]);
    expect(BATCH_SUBPROTOCOL).toBe('circles.v1.batch');
    conn.stop();
  });

  it('offers nothing after an upgrade that failed while offering it, and offers it again once a socket opened', () => {
    const { conn, sockets, seen } = open();
    // A node from before batches: the browser fails the upgrade, the socket never opens.
    sockets[0].drop();
    vi.runOnlyPendingTimers();
    expect(sockets).toHaveLength(2);
    expect(sockets[1].protocols).toEqual([]);
    // Without the offer, any node accepts; frames come one per message.
    sockets[1].open();
    sockets[1].deliver(helloInit);
    sockets[1].deliver(messageInit(1));
    expect(seen).toEqual(['ready', 'message 1']);
    // That socket worked: the next one asks for batches again.
    sockets[1].drop();
    vi.runOnlyPendingTimers();
    expect(sockets).toHaveLength(3);
    expect(sockets[2].protocols).toEqual([BATCH_SUBPROTOCOL]);
    // A server that is down fails both kinds of attempt: the offer alternates, so a node
    // of either kind that comes back is reached within two attempts.
    sockets[2].drop();
    vi.runOnlyPendingTimers();
    expect(sockets[3].protocols).toEqual([]);
    sockets[3].drop();
    vi.runOnlyPendingTimers();
    expect(sockets[4].protocols).toEqual([BATCH_SUBPROTOCOL]);
    conn.stop();
  });

  it('handles each frame of a batch in order, Hello included', () => {
    const { conn, sockets, seen, frames } = open();
    sockets[0].deliverBatch([helloInit, messageInit(1), messageInit(2)]);
    sockets[0].deliver(messageInit(3));
    sockets[0].deliverBatch([messageInit(4), { requestId: 9n, body: { case: 'pong', value: {} } }, messageInit(5)]);
    expect(seen).toEqual(['ready', 'message 1', 'message 2', 'message 3', 'message 4', 'pong', 'message 5']);
    expect(conn.isReady).toBe(true);
    expect(frames.find((f) => f.body.case === 'pong')?.requestId).toBe(9n);
    conn.stop();
  });

  it('skips an element that is not a ServerFrame and keeps the rest', () => {
    const { conn, sockets, seen } = open();
    sockets[0].deliver(helloInit);
    const good = (seq: number) => toBinary(ServerFrameSchema, create(ServerFrameSchema, messageInit(seq)));
    const junk = new Uint8Array([0xff, 0xff, 0xff]);
    sockets[0].deliver({ body: { case: 'batch', value: { frames: [good(1), junk, good(2)] } } });
    expect(seen).toEqual(['ready', 'message 1', 'message 2']);
    conn.stop();
  });

  it('stops at an UNAUTHENTICATED error: nothing after it in the batch is handled', () => {
    const { sockets, seen, authLost } = open();
    sockets[0].deliver(helloInit);
    sockets[0].deliverBatch([
      messageInit(1),
      { body: { case: 'error', value: { code: ErrorCode.UNAUTHENTICATED, message: 'please log in' } } },
      messageInit(2),
    ]);
    expect(authLost()).toBe(1);
    expect(seen).toEqual(['ready', 'message 1', 'disconnected']);
  });
});
