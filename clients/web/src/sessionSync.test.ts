// Tabs share a login: a logout in one sends the others to their login page. Each SessionSync
// here is one tab, on Node's real BroadcastChannel.
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_CHANNEL, SessionSync } from './sessionSync';
import type { ChannelFactory } from './sessionSync';

const opened: BroadcastChannel[] = [];
const realChannel: ChannelFactory = (name) => {
  const c = new BroadcastChannel(name);
  opened.push(c);
  return c as unknown as ReturnType<ChannelFactory>;
};

afterEach(() => {
  for (const c of opened.splice(0)) c.close();
});

/** Lets BroadcastChannel deliver what was posted (it delivers asynchronously). */
const settle = () => new Promise((done) => setTimeout(done, 50));

describe('session sync between tabs', () => {
  it('tells every other tab of a logout, and not the tab that logged out', async () => {
    const first = new SessionSync(realChannel);
    const second = new SessionSync(realChannel);
    const third = new SessionSync(realChannel);
    const heard: string[] = [];
    first.onLogoutElsewhere(() => heard.push('first'));
    second.onLogoutElsewhere(() => heard.push('second'));
    third.onLogoutElsewhere(() => heard.push('third'));
    first.announceLogout();
    await settle();
    expect(heard.sort()).toEqual(['second', 'third']);
  });

  it('stops telling a listener once it is removed, and ignores other messages', async () => {
    const tab = new SessionSync(realChannel);
    const other = new SessionSync(realChannel);
    let heard = 0;
    const stop = tab.onLogoutElsewhere(() => (heard += 1));
    const stranger = realChannel(SESSION_CHANNEL) as unknown as BroadcastChannel;
    stranger.postMessage({ kind: 'something else' });
    stranger.postMessage('logged-out');
    await settle();
    expect(heard).toBe(0);
    other.announceLogout();
    await settle();
    expect(heard).toBe(1);
    stop();
    other.announceLogout();
    await settle();
    expect(heard).toBe(1);
  });

  it('does nothing where the browser has no BroadcastChannel', () => {
    const tab = new SessionSync(() => null);
    expect(() => tab.announceLogout()).not.toThrow();
    const stop = tab.onLogoutElsewhere(() => {});
    expect(() => stop()).not.toThrow();
  });
});
