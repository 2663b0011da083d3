// The WebSocket to /ws: binary protobuf frames, request ids, keep-alive pings and automatic
// reconnect with exponential backoff. It knows nothing about rooms; see chat.ts.
import { backoffDelay } from './backoff';
import { ErrorCode, decodeServerFrame, encodeClientFrame } from './proto';
import type { ClientBody, ServerFrame } from './proto';

export type ConnStatus = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/**
 * The WebSocket subprotocol by which this client asks for FrameBatch messages: frames that
 * queued on the server behind a write come several to a message. Each is handled in order.
 */
export const BATCH_SUBPROTOCOL = 'circles.v1.batch';

/** Close code a server may use for "session no longer valid". */
export const CLOSE_UNAUTHENTICATED = 4401;

export type AuthCheck = () => Promise<'ok' | 'unauthenticated' | 'unknown'>;

export interface ConnectionHandlers {
  /** The server's Hello arrived on connection `generation`. */
  onReady(generation: number, hello: ServerFrame): void;
  onFrame(frame: ServerFrame): void;
  /** The socket closed; everything in flight on `generation` is lost. */
  onDisconnected(generation: number): void;
  onStatus(status: ConnStatus, retryInMs?: number): void;
  /** The session expired or was revoked: go back to the login screen. */
  onAuthLost(): void;
}

export interface ConnectionOptions {
  url?: string;
  checkAuth?: AuthCheck;
  pingIntervalMs?: number;
  createSocket?: (url: string, protocols: string[]) => WebSocket;
  rand?: () => number;
}

export function defaultWsUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

export class Connection {
  private ws: WebSocket | null = null;
  private gen = 0;
  private ready = false;
  private stopped = true;
  private attempt = 0;
  private nextRequestId = 1n;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Whether the next socket offers BATCH_SUBPROTOCOL. A server from before batches answers an
   * offer without choosing it, and the browser then fails the upgrade; during a rolling upgrade
   * a load balancer may send us to such a node. So after an upgrade that failed while offering
   * it, the next attempt offers nothing (every server accepts that); after a socket that
   * opened, the next offers it again.
   */
  private offerBatch = true;
  /** The current socket's upgrade succeeded. */
  private opened = false;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private readonly url: string;
  private readonly pingIntervalMs: number;
  private readonly onOnline = () => {
    if (!this.stopped && !this.ws) this.reconnectNow();
  };

  constructor(
    private readonly handlers: ConnectionHandlers,
    private readonly opts: ConnectionOptions = {},
  ) {
    this.url = opts.url ?? defaultWsUrl();
    this.pingIntervalMs = opts.pingIntervalMs ?? 25_000;
  }

  get generation(): number {
    return this.gen;
  }

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    if (typeof window !== 'undefined') window.addEventListener('online', this.onOnline);
    this.open();
  }

  /** Close for good (logout, session lost). No reconnect follows. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.clearPing();
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onOnline);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      this.detach(ws);
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
      if (this.ready) this.handlers.onDisconnected(this.gen);
    }
    this.ready = false;
    this.handlers.onStatus('stopped');
  }

  /** Send a request; returns its request id, or null when not connected. */
  send(body: ClientBody): bigint | null {
    const ws = this.ws;
    if (!ws || !this.ready || ws.readyState !== WebSocket.OPEN) return null;
    const id = this.nextRequestId++;
    ws.send(encodeClientFrame(id, body));
    return id;
  }

  private open(): void {
    this.gen += 1;
    this.ready = false;
    this.handlers.onStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let ws: WebSocket;
    try {
      this.opened = false;
      const protocols = this.offerBatch ? [BATCH_SUBPROTOCOL] : [];
      ws = this.opts.createSocket ? this.opts.createSocket(this.url, protocols) : new WebSocket(this.url, protocols);
    } catch {
      this.scheduleReconnect(false);
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      if (ws === this.ws) this.opened = true;
    };
    ws.onmessage = (ev: MessageEvent) => this.onMessage(ws, ev);
    ws.onclose = (ev: CloseEvent) => this.onClose(ws, ev.code);
    ws.onerror = () => {
      /* a close event follows */
    };
  }

  private detach(ws: WebSocket): void {
    ws.onopen = null;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
  }

  private onMessage(ws: WebSocket, ev: MessageEvent): void {
    if (typeof ev.data === 'string') return; // binary frames only
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(ev.data as ArrayBuffer);
    } catch {
      return; // not a ServerFrame; ignore it
    }
    if (frame.body.case !== 'batch') {
      this.onServerFrame(frame);
      return;
    }
    for (const bytes of frame.body.value.frames) {
      // A frame handled before this one may have ended the connection (authentication lost).
      if (this.ws !== ws) return;
      let inner: ServerFrame;
      try {
        inner = decodeServerFrame(bytes);
      } catch {
        continue; // not a ServerFrame; the rest of the batch still counts
      }
      if (inner.body.case === 'batch') continue; // a batch never holds a batch
      this.onServerFrame(inner);
    }
  }

  private onServerFrame(frame: ServerFrame): void {
    if (frame.body.case === 'hello') {
      this.ready = true;
      this.attempt = 0;
      this.startPing();
      this.handlers.onStatus('connected');
      this.handlers.onReady(this.gen, frame);
      return;
    }
    if (frame.body.case === 'error' && frame.body.value.code === ErrorCode.UNAUTHENTICATED) {
      this.authLost();
      return;
    }
    this.handlers.onFrame(frame);
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.detach(ws);
    this.ws = null;
    const wasReady = this.ready;
    this.ready = false;
    this.offerBatch = this.opened || wasReady ? true : !this.offerBatch;
    this.clearPing();
    if (wasReady) this.handlers.onDisconnected(this.gen);
    if (this.stopped) return;
    if (code === CLOSE_UNAUTHENTICATED) {
      this.authLost();
      return;
    }
    // The browser hides why an upgrade failed; if we never got a Hello, ask /api/me
    // whether the session is still valid before retrying.
    this.scheduleReconnect(!wasReady);
  }

  private scheduleReconnect(checkAuth: boolean): void {
    const delay = backoffDelay(this.attempt, this.opts.rand);
    this.attempt += 1;
    this.handlers.onStatus('reconnecting', delay);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(async () => {
      if (this.stopped) return;
      if (checkAuth && this.opts.checkAuth) {
        const verdict = await this.opts.checkAuth().catch(() => 'unknown' as const);
        if (this.stopped) return;
        if (verdict === 'unauthenticated') {
          this.authLost();
          return;
        }
      }
      this.open();
    }, delay);
  }

  private reconnectNow(): void {
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    this.open();
  }

  private authLost(): void {
    this.stop();
    this.handlers.onAuthLost();
  }

  private startPing(): void {
    this.clearPing();
    this.pingTimer = setInterval(() => {
      this.send({ case: 'ping', value: { clientTimeMs: BigInt(Date.now()) } });
    }, this.pingIntervalMs);
  }

  private clearPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}
