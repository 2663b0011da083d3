import { useEffect, useRef } from 'preact/hooks';
import type { TalkNotice } from '../proto';
import { talkNoticeText } from '../store';
import { formatTime } from './format';

/**
 * For facilitators and counselors: students who pressed "I need to talk", newest first, at the
 * top of the chat screen whichever room is open, until dismissed. The list sits in an
 * assertive live region (always mounted, so a new notice is read out at once).
 */
export function TalkNotices(props: {
  notices: TalkNotice[];
  /** Rooms this person can open (a counselor may not be a member of the room). */
  canOpen: (roomId: string) => boolean;
  onOpen: (roomId: string) => void;
  onDismiss: (escalationId: string) => void;
}) {
  const { notices } = props;
  const listRef = useRef<HTMLUListElement>(null);
  // After a Dismiss, the keyboard moves to the next notice's Dismiss, or to the conversation.
  const refocus = useRef<number | null>(null);

  useEffect(() => {
    const at = refocus.current;
    if (at === null) return;
    refocus.current = null;
    const buttons = listRef.current?.querySelectorAll<HTMLButtonElement>('button[data-dismiss]');
    if (buttons && buttons.length > 0) buttons[Math.min(at, buttons.length - 1)].focus();
    else document.getElementById('main')?.focus();
  }, [notices]);

  return (
    <div class="talk-notices" aria-live="assertive" aria-relevant="additions" data-testid="talk-notices">
      {notices.length > 0 && (
        <section aria-labelledby="talk-notices-heading">
          <h2 id="talk-notices-heading" class="visually-hidden">
            Asked to talk
          </h2>
          <ul ref={listRef} aria-label="Students who asked to talk">
            {notices.map((n, i) => {
              const textId = `talk-notice-${n.escalationId}`;
              return (
                <li key={n.escalationId} class="talk-notice">
                  <p id={textId}>{talkNoticeText(n, formatTime(n.atMs))}</p>
                  <div class="talk-notice-actions">
                    {props.canOpen(n.roomId) && (
                      <button
                        type="button"
                        class="small"
                        aria-describedby={textId}
                        onClick={() => props.onOpen(n.roomId)}
                      >
                        Open room
                      </button>
                    )}
                    <button
                      type="button"
                      class="small ghost"
                      data-dismiss=""
                      aria-describedby={textId}
                      onClick={() => {
                        refocus.current = i;
                        props.onDismiss(n.escalationId);
                      }}
                    >
                      Dismiss
                    </button>
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </div>
  );
}
