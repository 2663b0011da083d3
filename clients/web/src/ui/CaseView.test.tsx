// @vitest-environment happy-dom
// The counselor's case view in the dashboard: what a case file shows (who did what and when, the
// outcome, the context, notes oldest first), its actions by state (Take this case, Add note,
// Resolve case, Observe room), refusals in its alert, and "Show real name" with its confirmation.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CaseOutcome, applyCaseFile, applyRevealed, openCase, startReveal, startUpdate } from '../cases';
import type { CaseFileInfo, OpenCase } from '../cases';
import { noEscalations, upsertEscalation } from '../escalations';
import { EscalationState, MessageStatus } from '../proto';
import type { EscalationInfo } from '../proto';
import { button, buttons, cleanup, click, labelled, mount, typeInto } from '../testing/dom';
import { mrOkafor as okafor, plainCaseFile, plainEscalation, plainMsg, msRivera as rivera } from '../testing/fixtures';
import type { CaseHandlers } from './CaseFileView';
import { Dashboard } from './Dashboard';

const T0 = Date.UTC(2026, 10, 27, 20, 0);
const MIN = 60_000;

const esc = (state: EscalationState, extra: Partial<EscalationInfo> = {}) =>
  plainEscalation('41', T0, { state, acknowledgedBy: state === EscalationState.OPEN ? '' : '8', acknowledgedAtMs: T0 + MIN, ...extra });
const fileOf = (state: EscalationState, extra: Partial<CaseFileInfo> = {}) => plainCaseFile(esc(state), extra);
const loaded = (file: CaseFileInfo): OpenCase => applyCaseFile(openCase('41'), file);

afterEach(cleanup);

/** The dashboard with escalation 41 (`item`) listed and its case `c` open. */
function show(c: OpenCase, item: EscalationInfo = c.file?.escalation ?? esc(EscalationState.OPEN)) {
  const cases: { [K in keyof CaseHandlers]: ReturnType<typeof vi.fn> } = {
    onOpen: vi.fn(),
    onClose: vi.fn(),
    onTake: vi.fn(),
    onAddNote: vi.fn(() => null),
    onResolve: vi.fn(() => null),
    onReveal: vi.fn(),
    onObserve: vi.fn(),
  };
  const escalations = upsertEscalation(noEscalations, item).state;
  const ui = (oc: OpenCase, e: EscalationInfo) => (
    <Dashboard
      escalations={upsertEscalation(escalations, e).state}
      me={okafor}
      openCase={oc}
      onAck={() => {}}
      onRetry={() => {}}
      cases={cases as unknown as CaseHandlers}
    />
  );
  const view = mount(ui(c, item));
  const caseView = () => view.container.querySelector('[data-testid="case-view"]') as HTMLElement;
  const alertText = () => caseView().querySelector('[data-testid="case-alert"]')?.textContent ?? '';
  return { root: view.container, caseView, alertText, cases, update: (oc: OpenCase, e = item) => view.rerender(ui(oc, e)) };
}

describe('the case file', () => {
  it('says opening is recorded, and loads', () => {
    const { caseView } = show(openCase('41'));
    expect(caseView().getAttribute('aria-labelledby')).toBe('case-heading');
    expect(caseView().querySelector('.case-recorded')?.textContent).toBe('Opening a case is recorded.');
    expect(caseView().textContent).toContain('Loading the case…');
    expect(buttons(caseView(), 'Take this case')).toEqual([]);
  });

  it('shows who acknowledged, took and resolved it, the outcome, the context and the notes oldest first', () => {
    const file = fileOf(EscalationState.RESOLVED, {
      acknowledgedBy: okafor,
      takenBy: okafor,
      takenAtMs: T0 + 2 * MIN,
      resolvedBy: rivera,
      resolvedAtMs: T0 + 9 * MIN,
      outcome: CaseOutcome.GUARDIAN_CONTACTED,
      context: [plainMsg(3, { text: 'rough week' }), plainMsg(4, { text: '', status: MessageStatus.REMOVED })],
      notes: [
        { noteId: '1', author: okafor, atMs: T0 + 3 * MIN, text: 'Met Blue Heron.' },
        { noteId: '2', author: rivera, atMs: T0 + 5 * MIN, text: 'Called home.' },
      ],
    });
    const { caseView } = show(loaded(file));
    const facts = Object.fromEntries(
      Array.from(caseView().querySelectorAll('.case-facts dt')).map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
    );
    expect(facts.State).toBe('Resolved');
    expect(facts.Acknowledged).toMatch(/^Mr\. Okafor \(you\) at /);
    expect(facts.Taken).toMatch(/^Mr\. Okafor \(you\) at /);
    expect(facts.Resolved).toMatch(/^Ms\. Rivera at /);
    expect(facts.Outcome).toBe('Parent or guardian contacted');
    const context = caseView().querySelector('ol[aria-label="What was said just before"]') as HTMLElement;
    const said = (li: Element) => `${li.querySelector('.sender')?.textContent}: ${li.querySelector('.case-context-text')?.textContent}`;
    expect(Array.from(context.querySelectorAll('li')).map(said)).toEqual([
      'Quiet Fox: rough week',
      'Quiet Fox: removed',
    ]);
    const notes = Array.from(caseView().querySelectorAll('ol[aria-label="Case notes"] li'));
    expect(notes.map((li) => li.querySelector('.text')?.textContent)).toEqual(['Met Blue Heron.', 'Called home.']);
    expect(notes.map((li) => li.querySelector('.sender')?.textContent)).toEqual(['Mr. Okafor (you)', 'Ms. Rivera']);
    expect(notes[0].querySelector('time')?.getAttribute('dateTime')).toBe(new Date(T0 + 3 * MIN).toISOString());
  });

  it('an EscalationEvent for the open case refreshes its state', () => {
    const { caseView, update } = show(loaded(fileOf(EscalationState.ACKNOWLEDGED)));
    expect(caseView().querySelector('[data-testid="case-state"]')?.textContent).toMatch(/^Acknowledged/);
    update(loaded(fileOf(EscalationState.ACKNOWLEDGED)), esc(EscalationState.IN_PROGRESS));
    expect(caseView().querySelector('[data-testid="case-state"]')?.textContent).toBe('In progress');
    expect(buttons(caseView(), 'Take this case')).toEqual([]);
  });

  it('the list shows in-progress and resolved by their state', () => {
    const { root } = show(loaded(fileOf(EscalationState.RESOLVED)));
    const item = root.querySelector('ol[aria-label="Acknowledged escalations"] li') as HTMLElement;
    expect(item.querySelector('.esc-state')?.textContent).toBe('Resolved');
  });
});

describe('the actions', () => {
  it('Take this case while open or acknowledged, once', () => {
    for (const state of [EscalationState.OPEN, EscalationState.ACKNOWLEDGED]) {
      const { caseView, cases, update } = show(loaded(fileOf(state)));
      click(button(caseView(), 'Take this case'));
      expect(cases.onTake).toHaveBeenCalledTimes(1);
      update(startUpdate(loaded(fileOf(state)), 'take'));
      const busy = button(caseView(), 'Taking…');
      expect(busy.getAttribute('aria-disabled')).toBe('true');
      click(busy);
      expect(cases.onTake).toHaveBeenCalledTimes(1);
      cleanup();
    }
  });

  it('Add note: labelled, counted in bytes, sent, and the box empties once saved', () => {
    const c = loaded(fileOf(EscalationState.IN_PROGRESS));
    const { caseView, cases, alertText, update } = show(c);
    const form = caseView().querySelector('form[aria-labelledby="case-add-note-heading"]') as HTMLFormElement;
    expect(form.querySelector('h5')?.textContent).toBe('Add note');
    const box = labelled<HTMLTextAreaElement>(caseView(), 'Case note');
    click(button(caseView(), 'Save note'));
    expect(cases.onAddNote).not.toHaveBeenCalled();
    expect(alertText()).toBe('Write the note first.');
    expect(document.activeElement).toBe(box);
    typeInto(box, 'Met at lunch — okay');
    expect(caseView().querySelector('#case-note-count')?.textContent).toBe('21/4000 bytes');
    expect(alertText()).toBe('');
    click(button(caseView(), 'Save note'));
    expect(cases.onAddNote).toHaveBeenCalledWith('Met at lunch — okay');
    update(startUpdate(c, 'note'));
    expect(button(caseView(), 'Saving…').getAttribute('aria-disabled')).toBe('true');
    update(applyCaseFile(startUpdate(c, 'note'), c.file as CaseFileInfo, 'note'));
    expect(box.value).toBe('');
    expect(caseView().querySelector('[data-testid="case-status"]')?.textContent).toBe('Note saved.');
  });

  it('Resolve case opens a form: an outcome is required, then Resolve sends it with the note', () => {
    const { caseView, cases, alertText } = show(loaded(fileOf(EscalationState.IN_PROGRESS)));
    const form = caseView().querySelector('form[aria-label="Resolve this case"]') as HTMLFormElement;
    expect(form.hidden).toBe(true);
    const open = button(caseView(), 'Resolve case');
    click(open);
    expect(open.getAttribute('aria-expanded')).toBe('true');
    expect(form.hidden).toBe(false);
    const select = labelled<HTMLSelectElement>(form, 'Outcome');
    expect(document.activeElement).toBe(select);
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual([
      'Choose an outcome',
      'Supported in school',
      'Referred to outside services',
      'Parent or guardian contacted',
      'Emergency services called',
      'No concern found',
    ]);
    click(button(form, 'Resolve'));
    expect(alertText()).toBe('Choose an outcome.');
    expect(cases.onResolve).not.toHaveBeenCalled();
    select.value = 'EMERGENCY_SERVICES';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    typeInto(labelled<HTMLTextAreaElement>(form, 'Resolution note (optional)'), 'Ambulance at 3:20.');
    click(button(form, 'Resolve'));
    expect(cases.onResolve).toHaveBeenCalledWith(CaseOutcome.EMERGENCY_SERVICES, 'Ambulance at 3:20.');
    click(button(form, 'Cancel'));
    expect(form.hidden).toBe(true);
    expect(document.activeElement).toBe(open);
  });

  it('a resolved case has no state buttons but takes notes; Observe room is always there', () => {
    const { caseView, cases } = show(loaded(fileOf(EscalationState.RESOLVED)));
    expect(buttons(caseView(), 'Take this case')).toEqual([]);
    expect(buttons(caseView(), 'Resolve case')).toEqual([]);
    expect(buttons(caseView(), 'Acknowledge')).toEqual([]);
    expect(buttons(caseView(), 'Save note')).toHaveLength(1);
    click(button(caseView(), 'Observe room'));
    expect(cases.onObserve).toHaveBeenCalledWith('7', 'Lunch Bunch');
  });

  it('a refusal shows in the alert', () => {
    const c = { ...loaded(fileOf(EscalationState.RESOLVED)), error: 'This case is resolved.' };
    const { caseView, alertText } = show(c);
    expect(caseView().querySelector('[data-testid="case-alert"]')?.getAttribute('role')).toBe('alert');
    expect(alertText()).toBe('This case is resolved.');
  });
});

describe('Show real name', () => {
  it('is not offered while the case is open', () => {
    const { caseView } = show(loaded(fileOf(EscalationState.OPEN)));
    expect(buttons(caseView(), 'Show real name')).toEqual([]);
  });

  it('asks first; Cancel goes back; Show name asks the server; the answer sits by the pseudonym', () => {
    const c = loaded(fileOf(EscalationState.ACKNOWLEDGED));
    const { caseView, cases, update } = show(c);
    const student = () => Array.from(caseView().querySelectorAll('.case-facts dt')).find((dt) => dt.textContent === 'Student')
      ?.nextElementSibling as HTMLElement;
    const ask = button(student(), 'Show real name');
    click(ask);
    const warning = student().querySelector('#reveal-warning') as HTMLElement;
    expect(warning.textContent).toBe("The student's name is shown only to you and this is recorded in the audit trail.");
    expect(document.activeElement).toBe(warning);
    click(button(student(), 'Cancel'));
    expect(student().querySelector('#reveal-warning')).toBeNull();
    expect(document.activeElement).toBe(button(student(), 'Show real name'));
    click(button(student(), 'Show real name'));
    click(button(student(), 'Show name'));
    expect(cases.onReveal).toHaveBeenCalledTimes(1);
    update(applyRevealed(startReveal(c), '41', 'Alex Smith'));
    expect(student().textContent).toBe('Blue HeronReal name: Alex Smith');
    expect(document.activeElement?.textContent).toBe('Real name: Alex Smith');
    update(applyRevealed(startReveal(c), '41', ''));
    expect(student().textContent).toBe('Blue HeronNo real name on record');
    // Not in the list: the name stays in the case view.
    expect(caseView().parentElement?.querySelector('.desk-lists')?.textContent).not.toContain('Alex Smith');
  });
});
