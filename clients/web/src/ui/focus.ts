import { useEffect, useRef, useState } from 'preact/hooks';
import type { RefObject } from 'preact';

/**
 * Keep the keyboard in a list whose items go away under it (a held message approved, a member
 * removed: the button that had the focus is gone once the server answers). When `deps` change
 * and the focus fell to the page body from inside `ref`, it moves to `target` (by default `ref`
 * itself; give it tabIndex={-1}). Returns the focus handlers to put on the same element as `ref`.
 */
export function useFocusRescue(ref: RefObject<HTMLElement>, deps: unknown[], target: RefObject<HTMLElement> = ref) {
  const inside = useRef(false);
  useEffect(() => {
    if (!inside.current) return;
    const active = document.activeElement;
    if (!active || active === document.body) (target.current ?? ref.current)?.focus();
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

export interface DialogState<T> {
  /** What the open dialog is about (null: closed). */
  value: T | null;
  /** Open it; remembers what had the focus (the button pressed). */
  open: (value: T) => void;
  /** Close it; after the render the focus returns to that button, or to the conversation. */
  close: () => void;
  /** Close it without moving the focus (e.g. another room was opened). */
  reset: () => void;
}

/** A dialog opened from a button, which gets the focus back when the dialog closes. */
export function useDialog<T>(): DialogState<T> {
  const [value, setValue] = useState<T | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const refocus = useRef(false);
  useEffect(() => {
    if (value !== null || !refocus.current) return;
    refocus.current = false;
    const el = opener.current;
    if (el && el.isConnected) el.focus();
    else document.getElementById('main')?.focus();
  }, [value]);
  return {
    value,
    open: (v) => {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setValue(v);
    },
    close: () => {
      refocus.current = true;
      setValue(null);
    },
    reset: () => setValue(null),
  };
}
