// @vitest-environment happy-dom
// The report dialog: its choices and labels, the checks before sending (a category; a note of
// at most 300 bytes), the states of its request (sending, refused, confirmed), and closing it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReportCategory } from '../proto';
import type { ReportSend } from '../reports';
import { button, cleanup, click, escape, labelled, mount, typeInto } from '../testing/dom';
import { plainMsg } from '../testing/fixtures';
import { ReportDialog } from './ReportDialog';

const message = plainMsg(5, { text: 'nobody likes you' });

afterEach(cleanup);

function open(send: ReportSend | null = null, onSubmit = vi.fn((): string | null => null)) {
  const onClose = vi.fn();
  const onGone = vi.fn();
  const ui = (s: ReportSend | null) => (
    <ReportDialog message={message} send={s} onSubmit={onSubmit} onClose={onClose} onGone={onGone} />
  );
  const view = mount(ui(send));
  const dialog = view.container.querySelector('dialog') as HTMLDialogElement;
  return { dialog, onSubmit, onClose, onGone, update: (s: ReportSend | null) => view.rerender(ui(s)), view };
}

const alertText = (d: HTMLElement) => d.querySelector('[role="alert"]')?.textContent ?? '';

describe('the report dialog', () => {
  it('opens modal, labelled, showing the message, with the focus on the first choice', () => {
    const { dialog } = open();
    expect(dialog.open).toBe(true);
    expect(document.getElementById(dialog.getAttribute('aria-labelledby') ?? '')?.textContent).toBe('Report this message');
    expect(dialog.textContent).toContain('Quiet Fox');
    expect(dialog.textContent).toContain('nobody likes you');
    expect(dialog.textContent).toContain('They see the message, not who reported it.');
    const radios = ['Unkind or hurtful', 'Shares private information', "I'm worried someone is not safe", 'Something else'].map(
      (l) => labelled(dialog, l),
    );
    expect(radios.map((r) => [r.type, r.name, r.value])).toEqual([
      ['radio', 'report-category', 'UNKIND'],
      ['radio', 'report-category', 'PRIVACY'],
      ['radio', 'report-category', 'SAFETY'],
      ['radio', 'report-category', 'OTHER'],
    ]);
    expect(document.activeElement).toBe(radios[0]);
    expect(dialog.querySelector('legend')?.textContent).toBe("What's wrong?");
    expect(labelled(dialog, 'Note (optional)').tagName).toBe('TEXTAREA');
    expect(dialog.textContent).toContain('0/300 bytes');
  });

  it('asks for a category first', () => {
    const { dialog, onSubmit } = open();
    click(button(dialog, 'Send report'));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(alertText(dialog)).toBe('Choose what is wrong with the message.');
    expect(document.activeElement).toBe(labelled(dialog, 'Unkind or hurtful'));
  });

  it('counts the note in bytes and refuses one over 300', () => {
    const { dialog, onSubmit } = open();
    click(labelled(dialog, 'Something else'));
    const note = labelled<HTMLTextAreaElement>(dialog, 'Note (optional)');
    typeInto(note, '😟'.repeat(76)); // 4 bytes each: 304
    expect(dialog.textContent).toContain('304/300 bytes');
    expect(note.getAttribute('aria-invalid')).toBe('true');
    click(button(dialog, 'Send report'));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(alertText(dialog)).toMatch(/at most 300 bytes/);
    expect(document.activeElement).toBe(note);
  });

  it('sends the choice and the note, waits, shows a refusal, and closes once confirmed', () => {
    const { dialog, onSubmit, onClose, update } = open();
    click(labelled(dialog, "I'm worried someone is not safe"));
    typeInto(labelled<HTMLTextAreaElement>(dialog, 'Note (optional)'), 'she said goodbye to everyone');
    click(button(dialog, 'Send report'));
    expect(onSubmit).toHaveBeenCalledWith(ReportCategory.SAFETY, 'she said goodbye to everyone');

    update({ seq: 5, state: 'sending', error: '' });
    const sending = button(dialog, 'Sending…');
    expect(sending.getAttribute('aria-disabled')).toBe('true');
    click(sending);
    expect(onSubmit).toHaveBeenCalledTimes(1);

    update({ seq: 5, state: 'failed', error: 'You have 20 open reports in this room.' });
    expect(alertText(dialog)).toBe('You have 20 open reports in this room.');
    expect(onClose).not.toHaveBeenCalled();

    update({ seq: 5, state: 'done', error: '' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('says why it could not go (offline)', () => {
    const { dialog } = open(null, vi.fn(() => "You're offline, so it wasn't sent."));
    click(labelled(dialog, 'Unkind or hurtful'));
    click(button(dialog, 'Send report'));
    expect(alertText(dialog)).toBe("You're offline, so it wasn't sent.");
  });

  it('another message’s request is not this dialog’s', () => {
    const { dialog, onClose } = open({ seq: 9, state: 'done', error: '' });
    expect(onClose).not.toHaveBeenCalled();
    expect(button(dialog, 'Send report')).toBeTruthy();
  });

  it('Escape and Cancel close it; unmounted, the room forgets its request', () => {
    const { dialog, onClose, onGone, view } = open();
    escape(dialog);
    expect(onClose).toHaveBeenCalledTimes(1);
    click(button(dialog, 'Cancel'));
    expect(onClose).toHaveBeenCalledTimes(2);
    view.unmount();
    expect(onGone).toHaveBeenCalledTimes(1);
  });
});
