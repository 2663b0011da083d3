// The browser's Circles tabs share one login (the session cookie). A tab that logs out tells
// the others at once, so none goes on showing a group's conversation on a shared school
// computer. The server also closes the login's sockets (4401) on every node; this needs no
// round trip, and works while the tab's socket is down or its node has missed the logout.

/** The BroadcastChannel name the tabs share. */
export const SESSION_CHANNEL = 'circles.session';

interface LoggedOut {
  kind: 'logged-out';
}

/** The part of BroadcastChannel used here (tests pass their own). */
export interface Channel {
  postMessage(message: LoggedOut): void;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export type ChannelFactory = (name: string) => Channel | null;

const browserChannel: ChannelFactory = (name) =>
  typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(name);

/**
 * One tab's end of the channel. A BroadcastChannel never hears its own messages, so a tab
 * that announces its logout is not told of it. Without BroadcastChannel, nothing is sent.
 */
export class SessionSync {
  private readonly channel: Channel | null;
  private readonly listeners = new Set<() => void>();

  constructor(make: ChannelFactory = browserChannel) {
    this.channel = make(SESSION_CHANNEL);
    if (this.channel) {
      this.channel.onmessage = (ev: MessageEvent) => {
        if ((ev.data as LoggedOut | undefined)?.kind !== 'logged-out') return;
        for (const f of [...this.listeners]) f();
      };
    }
  }

  /** This tab logged out: the others go back to their login page. */
  announceLogout(): void {
    this.channel?.postMessage({ kind: 'logged-out' });
  }

  /** `f` runs when another tab logs out. Returns the function that stops it. */
  onLogoutElsewhere(f: () => void): () => void {
    this.listeners.add(f);
    return () => {
      this.listeners.delete(f);
    };
  }
}
