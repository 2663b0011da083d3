import { useEffect, useRef } from 'preact/hooks';
import type { RefObject } from 'preact';

/**
 * Keep the keyboard in a list whose items go away under it (a held message approved, a member
 * removed: the button that had the focus is gone once the server answers). When `deps` change
 * and the focus fell to the page body from inside `ref`, it moves to `ref` itself (give it
 * tabIndex={-1}). Returns the focus handlers to put on the same element.
 */
export function useFocusRescue(ref: RefObject<HTMLElement>, deps: unknown[]) {
  const inside = useRef(false);
  useEffect(() => {
    if (!inside.current) return;
    const active = document.activeElement;
    if (!active || active === document.body) ref.current?.focus();
  }, deps);
  return {
    onFocusIn: () => {
      inside.current = true;
    },
    onFocusOut: (e: FocusEvent) => {
      // Moving elsewhere on the page; a removed element (no related target) keeps the claim.
      const to = e.relatedTarget as Node | null;
      if (to && !ref.current?.contains(to)) inside.current = false;
    },
  };
}
