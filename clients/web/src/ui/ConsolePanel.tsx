import { useRef } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { useFocusRescue } from './focus';

/**
 * One panel of the facilitator console (held messages, reports, members): a labelled region
 * behind its disclosure button that says when its list failed, is loading or is empty, and
 * keeps the keyboard inside when the item that had the focus goes away.
 */
export function ConsolePanel<T>(props: {
  id: string;
  hidden: boolean;
  /** The region's accessible name, e.g. "Held messages". */
  label: string;
  /** null: not loaded yet. */
  items: T[] | null;
  error: string;
  loadingText: string;
  /** Said for an empty list (without it, `children` renders the empty list). */
  emptyText?: string;
  /** Shown above the list whatever its state (e.g. a Refresh button). */
  toolbar?: ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  const { items } = props;
  const ref = useRef<HTMLElement>(null);
  const rescue = useFocusRescue(ref, [items]);
  return (
    <section
      id={props.id}
      ref={ref}
      tabIndex={-1}
      class="console-panel"
      aria-label={props.label}
      hidden={props.hidden}
      {...rescue}
    >
      {props.toolbar}
      {props.error ? (
        <p class="error-text">{props.error}</p>
      ) : items === null ? (
        <p class="muted">{props.loadingText}</p>
      ) : items.length === 0 && props.emptyText ? (
        <p class="muted">{props.emptyText}</p>
      ) : (
        props.children(items)
      )}
    </section>
  );
}
