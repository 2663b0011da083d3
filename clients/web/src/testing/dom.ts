// Test support (never bundled) for component tests under happy-dom (a test file opts in with
// `// @vitest-environment happy-dom`): render a Preact tree into the document, find elements
// the way a person (or a screen reader) names them, and act on them.
import { render } from 'preact';
import type { ComponentChild } from 'preact';
import { act } from 'preact/test-utils';

export interface Mounted {
  container: HTMLElement;
  rerender: (ui: ComponentChild) => void;
  unmount: () => void;
}

const mounted = new Set<Mounted>();

export function mount(ui: ComponentChild): Mounted {
  const container = document.createElement('div');
  document.body.appendChild(container);
  act(() => render(ui, container));
  const m: Mounted = {
    container,
    rerender: (next) => act(() => render(next, container)),
    unmount: () => {
      if (!mounted.delete(m)) return;
      act(() => render(null, container));
      container.remove();
    },
  };
  mounted.add(m);
  return m;
}

/** Unmount everything still mounted (`afterEach(cleanup)`). */
export function cleanup(): void {
  for (const m of [...mounted]) m.unmount();
}

/** The accessible name of a button as this project writes them: aria-label, else its text. */
function nameOf(el: Element): string {
  return (el.getAttribute('aria-label') ?? el.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** The one button named `name` under `root` (throws when there are none, or several). */
export function button(root: ParentNode, name: string): HTMLButtonElement {
  const hits = Array.from(root.querySelectorAll('button')).filter((b) => nameOf(b) === name);
  if (hits.length !== 1) throw new Error(`${hits.length} buttons named "${name}"`);
  return hits[0];
}

export function buttons(root: ParentNode, name: string): HTMLButtonElement[] {
  return Array.from(root.querySelectorAll('button')).filter((b) => nameOf(b) === name);
}

/** The form control labelled `text` (a wrapping <label> or one with `for`). */
export function labelled<T extends HTMLElement = HTMLInputElement>(root: ParentNode, text: string): T {
  const label = Array.from(root.querySelectorAll('label')).find((l) => (l.textContent ?? '').trim() === text);
  if (!label) throw new Error(`no label "${text}"`);
  const el = label.htmlFor ? document.getElementById(label.htmlFor) : label.querySelector('input, textarea, select');
  if (!el) throw new Error(`label "${text}" labels nothing`);
  return el as T;
}

export function click(el: HTMLElement): void {
  act(() => el.click());
}

/** Type into a text field (what Preact's onInput sees). */
export function typeInto(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  act(() => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

/** Escape in a modal dialog: the browser fires `cancel` on it. */
export function escape(dialog: HTMLDialogElement): void {
  act(() => {
    dialog.dispatchEvent(new Event('cancel', { cancelable: true }));
  });
}

/** A key pressed on `el` (bubbling, as the browser sends it), e.g. Escape in an inline form. */
export function keyDown(el: HTMLElement, key: string): void {
  act(() => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}
