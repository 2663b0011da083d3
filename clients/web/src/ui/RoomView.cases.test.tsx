// @vitest-environment happy-dom
// A counselor in a room: students and facilitators see "A counselor is here to listen" while one
// is present; a counselor observing sees the room read-only with Stop observing.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyJoin, applyPresence, newRoomState } from '../store';
import type { RoomState } from '../store';
import { button, buttons, cleanup, click } from '../testing/dom';
import { quietFox as fox, blueHeron as heron, lunch, mrOkafor as okafor, plainMsg, msRivera as rivera } from '../testing/fixtures';
import { showRoom } from '../testing/views';

const joined = (present = [heron, fox]): RoomState =>
  applyJoin(newRoomState(lunch), { room: lunch, recovered: false, messages: [plainMsg(1)], hasMore: false, present }, false);

const banner = (root: HTMLElement) => root.querySelector('[data-testid="counselor-banner"]') as HTMLElement | null;

afterEach(cleanup);

describe('a counselor present', () => {
  it('students and facilitators see the banner while one is here; it goes when they leave', () => {
    for (const me of [heron, rivera]) {
      const { root, update } = showRoom(joined(), me);
      const region = banner(root) as HTMLElement;
      expect(region.getAttribute('role')).toBe('status');
      expect(region.textContent).toBe('');
      const arrived = applyPresence(joined(), okafor, true);
      update(arrived);
      expect(banner(root)?.textContent).toBe('A counselor is here to listen');
      update(applyPresence(arrived, okafor, false));
      expect(banner(root)?.textContent).toBe('');
      cleanup();
    }
  });

  it('is there from the join', () => {
    const { root } = showRoom(joined([heron, okafor]), heron);
    expect(banner(root)?.textContent).toBe('A counselor is here to listen');
  });
});

describe('a counselor observing', () => {
  it('reads the room, cannot post, and Stop observing leaves', () => {
    const onStopObserving = vi.fn();
    const { root } = showRoom(joined([heron, fox, okafor]), okafor, { observing: true, onStopObserving });
    expect(banner(root)).toBeNull(); // not told about themselves
    expect(root.querySelector('li[data-seq="1"]')?.textContent).toContain('m1');
    const box = root.querySelector('#composer-text') as HTMLTextAreaElement;
    expect(box.disabled).toBe(true);
    expect(root.querySelector('#composer-reason')?.textContent).toBe('You are observing; counselors do not post here');
    expect(buttons(root, 'Report message from Quiet Fox')).toEqual([]);
    expect(root.querySelector('[data-testid="facilitator-console"]')).toBeNull();
    click(button(root, 'Stop observing'));
    expect(onStopObserving).toHaveBeenCalledTimes(1);
  });

  it('a room a counselor opens from the list is not observed: no Stop observing', () => {
    const { root } = showRoom(joined(), okafor);
    expect(buttons(root, 'Stop observing')).toEqual([]);
  });
});
