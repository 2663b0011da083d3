// @vitest-environment happy-dom
// "Tell a counselor" in the room view: only a facilitator gets it, on every message that is not
// removed (held ones too) and not their own, named for the writer; the inline confirmation,
// Escape and Cancel, the focus going back to the button, and the marks while it is on its way
// and once a counselor was told.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ESCALATE_QUESTION, applyRaised, noEscalate, raisedText, startEscalate } from '../escalate';
import { MessageStatus, Role } from '../proto';
import type { Member } from '../proto';
import { applyJoin, newRoomState } from '../store';
import type { RoomState } from '../store';
import { button, buttons, cleanup, click, keyDown } from '../testing/dom';
import { quietFox as fox, blueHeron as heron, lunch, mrOkafor, plainMsg, msRivera as rivera } from '../testing/fixtures';
import { showRoom } from '../testing/views';

const msg = (seq: number, sender: Member, status = MessageStatus.VISIBLE) => plainMsg(seq, { sender, status });
const admin: Member = { userId: '9', displayName: 'Ms. Admin', role: Role.ADMIN };

/** Fox's 1, Heron's 2, Fox's removed 3 and held 4, Ms. Rivera's own 5. */
const joined: RoomState = applyJoin(
  newRoomState(lunch),
  {
    room: lunch,
    recovered: false,
    messages: [msg(1, fox), msg(2, heron), msg(3, fox, MessageStatus.REMOVED), msg(4, fox, MessageStatus.HELD), msg(5, rivera)],
    hasMore: false,
    present: [heron, fox, rivera],
  },
  false,
);

const item = (root: HTMLElement, seq: number) => root.querySelector(`li[data-seq="${seq}"]`) as HTMLElement;
const FOX = 'Tell a counselor about the message from Quiet Fox';

afterEach(cleanup);

/** Facilitator's view with Fox's message 1 asking for confirmation. */
function asking(rs = joined) {
  const view = showRoom(rs, rivera);
  const tell = button(item(view.root, 1), FOX);
  tell.focus();
  click(tell);
  const group = item(view.root, 1).querySelector('[role="group"]') as HTMLElement;
  return { ...view, tell, group };
}

describe('who gets Tell a counselor', () => {
  it('a facilitator, on each message not removed and not their own, named for the writer', () => {
    const { root } = showRoom(joined, rivera);
    const tell = button(item(root, 1), FOX);
    expect(tell.textContent).toBe('Tell a counselor');
    expect(tell.tabIndex).toBe(0);
    expect(buttons(item(root, 2), 'Tell a counselor about the message from Blue Heron')).toHaveLength(1);
    expect(buttons(item(root, 3), FOX)).toEqual([]); // removed
    expect(buttons(item(root, 4), FOX)).toHaveLength(1); // held
    expect(buttons(item(root, 5), 'Tell a counselor about the message from Ms. Rivera')).toEqual([]);
  });

  it('students, counselors and admins do not', () => {
    for (const me of [heron, mrOkafor, admin]) {
      const { root } = showRoom(joined, me);
      expect(root.textContent).not.toContain('Tell a counselor');
      cleanup();
    }
  });
});

describe('the confirmation', () => {
  it('asks inline with the question focused; Cancel goes back to the button and sends nothing', () => {
    const { root, group, onTellCounselor } = asking();
    expect(group.textContent).toContain(ESCALATE_QUESTION);
    const question = group.querySelector('p') as HTMLElement;
    expect(group.getAttribute('aria-labelledby')).toBe(question.id);
    expect(document.activeElement).toBe(question);
    expect(buttons(group, 'Tell a counselor')).toHaveLength(1);
    click(button(group, 'Cancel'));
    expect(item(root, 1).querySelector('[role="group"]')).toBeNull();
    expect(document.activeElement).toBe(button(item(root, 1), FOX));
    expect(onTellCounselor).not.toHaveBeenCalled();
  });

  it('Escape cancels it and nothing else (the page’s alert stays)', () => {
    const { root, group, onTellCounselor } = asking();
    const onWindow = vi.fn();
    window.addEventListener('keydown', onWindow);
    keyDown(group.querySelector('p') as HTMLElement, 'Escape');
    window.removeEventListener('keydown', onWindow);
    expect(onWindow).not.toHaveBeenCalled();
    expect(item(root, 1).querySelector('[role="group"]')).toBeNull();
    expect(document.activeElement).toBe(button(item(root, 1), FOX));
    expect(onTellCounselor).not.toHaveBeenCalled();
  });

  it('Tell a counselor sends for that seq; the marks follow the state, the focus the button', () => {
    const { root, group, onTellCounselor, update } = asking();
    click(button(group, 'Tell a counselor'));
    expect(onTellCounselor).toHaveBeenCalledWith(1);
    const tell = button(item(root, 1), FOX);
    expect(document.activeElement).toBe(tell);
    const sending = { ...joined, escalate: startEscalate(noEscalate, 1) };
    update(sending);
    const mark = () => item(root, 1).querySelector('[data-testid="escalate-mark"]') as HTMLElement;
    expect(mark().textContent).toBe('Telling a counselor…');
    expect(tell.getAttribute('aria-disabled')).toBe('true');
    click(tell); // no second confirmation while it is on its way
    expect(item(root, 1).querySelector('[role="group"]')).toBeNull();
    update({ ...joined, escalate: applyRaised(sending.escalate, 1, '90') });
    expect(mark().textContent).toBe('Counselor told');
    expect(tell.getAttribute('aria-describedby')).toBe(mark().id);
    expect(tell.getAttribute('aria-disabled')).toBeNull();
    expect(item(root, 2).querySelector('[data-testid="escalate-mark"]')).toBeNull();
  });
});

it('the answer is read out in the console’s polite notice region', () => {
  const { root } = showRoom(joined, rivera, { staffNote: raisedText(false) });
  const note = root.querySelector('[data-testid="console-note"]') as HTMLElement;
  expect(note.getAttribute('aria-live')).toBe('polite');
  expect(note.textContent).toBe('A counselor has been told about this message.');
});
