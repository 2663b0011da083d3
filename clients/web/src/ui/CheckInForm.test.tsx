// @vitest-environment happy-dom
// A student's check-in in the room view: the "Check-in" region above the composer while a
// round is open, the mood radio group, the optional word and its checks, Send check-in / Pass,
// refusals in the alert, and "Thanks for checking in." (with the keyboard moved there) after.
import { afterEach, describe, expect, it } from 'vitest';
import { applyAnswer, applyRound, noCheckIn, sendingAnswer } from '../checkins';
import type { RoomCheckIn } from '../checkins';
import { applyJoin, newRoomState } from '../store';
import type { RoomState } from '../store';
import { button, buttons, cleanup, click, labelled, typeInto } from '../testing/dom';
import { blueHeron as heron, lunch, plainAnswer, plainRound, msRivera as rivera } from '../testing/fixtures';
import { showRoom } from '../testing/views';

afterEach(cleanup);

const joined: RoomState = applyJoin(
  newRoomState(lunch),
  { room: lunch, recovered: false, messages: [], hasMore: false, present: [heron, rivera] },
  false,
);
const withCheckIn = (checkIn: RoomCheckIn): RoomState => ({ ...joined, checkIn });
const open = applyRound(noCheckIn, plainRound('5', 0, { answered: 2, passed: 1 })).state;

function region(root: HTMLElement): HTMLElement | null {
  const h = Array.from(root.querySelectorAll('h3')).find((x) => x.textContent === 'Check-in');
  return h ? (root.querySelector(`[aria-labelledby="${h.id}"]`) as HTMLElement) : null;
}
const alertText = (root: HTMLElement) => region(root)?.querySelector('[role="alert"]')?.textContent ?? '';

describe("a student's check-in", () => {
  it('shows only while a round is open, above the composer, with the count only', () => {
    expect(region(showRoom(joined, heron).root)).toBeNull();
    cleanup();
    const { root } = showRoom(withCheckIn(open), heron);
    const r = region(root);
    expect(r?.tagName).toBe('SECTION');
    const composer = root.querySelector('form.composer') as HTMLElement;
    expect(r!.compareDocumentPosition(composer) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(r!.querySelector('legend')?.textContent).toBe('How are you feeling?');
    const radios = Array.from(r!.querySelectorAll('fieldset input[type="radio"]'));
    expect(radios.map((x) => x.closest('label')?.textContent)).toEqual([
      '1 — very low',
      '2 — low',
      '3 — okay',
      '4 — good',
      '5 — great',
    ]);
    expect(labelled(r!, 'One word (optional)').type).toBe('text');
    expect(buttons(r!, 'Send check-in')).toHaveLength(1);
    expect(buttons(r!, 'Pass')).toHaveLength(1);
    expect(r!.querySelector('.checkin-count')?.textContent).toBe('3 people have checked in');
  });

  it('staff never get the form', () => {
    expect(region(showRoom(withCheckIn(open), rivera).root)).toBeNull();
  });

  it('checks the answer before it goes, moving the keyboard to what needs fixing', () => {
    const { root, checkIns } = showRoom(withCheckIn(open), heron);
    click(button(root, 'Send check-in'));
    expect(alertText(root)).toBe("Choose how you're feeling, from 1 to 5 — or press Pass.");
    expect(document.activeElement).toBe(labelled(root, '1 — very low'));
    click(labelled(root, '2 — low'));
    expect(alertText(root)).toBe('');
    const word = labelled(root, 'One word (optional)');
    typeInto(word, 'so tired');
    click(button(root, 'Send check-in'));
    expect(alertText(root)).toBe('Use one word only, with no spaces.');
    expect(word.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(word);
    expect(checkIns.onAnswer).not.toHaveBeenCalled();
    typeInto(word, 'tired');
    expect(word.getAttribute('aria-invalid')).toBeNull();
    click(button(root, 'Send check-in'));
    expect(checkIns.onAnswer).toHaveBeenCalledWith(2, 'tired');
    click(button(root, 'Pass'));
    expect(checkIns.onPass).toHaveBeenCalledTimes(1);
  });

  it('says why it could not go, or why the server refused it', () => {
    const { root, checkIns, update } = showRoom(withCheckIn(open), heron);
    checkIns.onPass.mockReturnValueOnce("You're offline, so it wasn't sent.");
    click(button(root, 'Pass'));
    expect(alertText(root)).toBe("You're offline, so it wasn't sent.");
    click(labelled(root, '4 — good'));
    click(button(root, 'Send check-in'));
    update(withCheckIn({ ...open, error: 'That check-in has ended.' }));
    expect(alertText(root)).toBe('That check-in has ended.');
  });

  it('on its way: "Sending…", and it cannot go twice', () => {
    const { root, checkIns } = showRoom(withCheckIn(sendingAnswer(open, 'answer')), heron);
    const send = button(root, 'Sending…');
    expect(send.getAttribute('aria-disabled')).toBe('true');
    click(labelled(root, '3 — okay'));
    click(send);
    click(button(root, 'Pass'));
    expect(checkIns.onAnswer).not.toHaveBeenCalled();
    expect(checkIns.onPass).not.toHaveBeenCalled();
  });

  it('answered: the form gives way to the thanks, which gets the keyboard; the count stays', () => {
    const sending = sendingAnswer(open, 'answer');
    const { root, update } = showRoom(withCheckIn(sending), heron);
    button(root, 'Sending…').focus();
    update(withCheckIn(applyAnswer(sending, plainAnswer('5', heron, 3), true).state));
    const r = region(root)!;
    expect(r.querySelector('form')).toBeNull();
    expect(r.querySelector('.checkin-thanks')?.textContent).toBe('Thanks for checking in.');
    expect(document.activeElement).toBe(r.querySelector('.checkin-thanks'));
    expect(r.querySelector('.checkin-count')?.textContent).toBe('3 people have checked in');
  });
});
