// @vitest-environment happy-dom
// The app and the browser's other tabs: a logout in another tab (they share the login) sends
// this one to its login page and closes its socket; this tab's own logout tells the others.
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionSync } from '../sessionSync';
import type { Channel, ChannelFactory } from '../sessionSync';
import { button, cleanup, click, mount } from '../testing/dom';
import { FakeSocket } from '../testing/fakeSocket';
import { App } from './App';

const logout = vi.fn(async () => {});
vi.mock('../api', () => ({
  me: async () => ({ id: 4, display_name: 'Blue Heron', role: 'student', school: 1 }),
  logout: () => logout(),
  checkSession: async () => 'ok' as const,
}));

/** BroadcastChannel within one test: what one end posts, every other end of that name hears. */
function channels(): ChannelFactory {
  const ends: { name: string; end: Channel }[] = [];
  return (name) => {
    const end: Channel = {
      onmessage: null,
      postMessage(message) {
        for (const other of ends) {
          if (other.end !== end && other.name === name) other.end.onmessage?.({ data: message } as MessageEvent);
        }
      },
    };
    ends.push({ name, end });
    return end;
  };
}

const created: FakeSocket[] = [];
beforeEach(() => {
  created.length = 0;
  logout.mockClear();
  vi.stubGlobal(
    'WebSocket',
    class extends FakeSocket {
      static OPEN = 1;
      constructor(_url: string, protocols: string[]) {
        super(protocols);
        created.push(this);
      }
    },
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** This tab, in its chat screen, and another tab of the same browser. */
async function twoTabs() {
  const make = channels();
  const other = new SessionSync(make);
  const view = mount(<App sync={new SessionSync(make)} />);
  await act(async () => {}); // the session check answers
  expect(created).toHaveLength(1);
  return { root: view.container, other };
}

describe('tabs that share a login', () => {
  it('goes to the login page and closes its socket when another tab logs out', async () => {
    const { root, other } = await twoTabs();
    expect(created[0].readyState).toBe(1);
    await act(async () => other.announceLogout());
    expect(root.textContent).toContain('You logged out in another tab.');
    expect(root.querySelector('input[type="password"]')).not.toBeNull();
    expect(created[0].readyState).toBe(3);
    expect(created).toHaveLength(1);
  });

  it('tells the other tabs when it logs out itself', async () => {
    const { root, other } = await twoTabs();
    const heard = vi.fn();
    other.onLogoutElsewhere(heard);
    await act(async () => click(button(root, 'Log out')));
    expect(heard).toHaveBeenCalledTimes(1);
    expect(logout).toHaveBeenCalledTimes(1);
    expect(root.textContent).toContain("You've logged out. See you soon.");
    expect(root.textContent).not.toContain('You logged out in another tab.');
  });
});
