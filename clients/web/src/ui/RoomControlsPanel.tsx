import { useEffect, useState } from 'preact/hooks';
import { SLOW_MODE_SECONDS, slowModeLabel } from '../facilitation';
import type { FacAction } from '../facilitation';
import type { ControlsInfo } from '../proto';

/**
 * Facilitators: lock or unlock the room (read-only for students) and choose slow mode. Each
 * change asks for the citation; the select only picks, "Set slow mode" acts.
 */
export function RoomControlsPanel(props: {
  id: string;
  hidden: boolean;
  controls: ControlsInfo | null;
  onAct: (a: FacAction) => void;
}) {
  const locked = props.controls?.locked ?? false;
  const current = props.controls?.slowModeSeconds ?? 0;
  const [choice, setChoice] = useState(current);
  useEffect(() => setChoice(current), [current]);
  const choices: number[] = SLOW_MODE_SECONDS.includes(current as (typeof SLOW_MODE_SECONDS)[number])
    ? [...SLOW_MODE_SECONDS]
    : [...SLOW_MODE_SECONDS, current].sort((a, b) => a - b);

  return (
    <section id={props.id} class="console-panel" aria-label="Room controls" hidden={props.hidden}>
      <div class="control-row">
        <p id="lock-state" class="control-state">
          {locked ? 'Read-only: students can read but not post.' : 'Open: students can post.'}
        </p>
        <button
          type="button"
          class="small"
          aria-describedby="lock-state"
          onClick={() => props.onAct({ kind: 'lock', locked: !locked })}
        >
          {locked ? 'Unlock room' : 'Lock room'}
        </button>
      </div>
      <div class="control-row">
        <label for="slow-mode">Slow mode</label>
        <select id="slow-mode" value={String(choice)} onChange={(e) => setChoice(Number(e.currentTarget.value))}>
          {choices.map((s) => (
            <option key={s} value={String(s)}>
              {slowModeLabel(s)}
              {s === current ? ' (now)' : ''}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="small"
          aria-disabled={choice === current ? 'true' : undefined}
          onClick={() => choice !== current && props.onAct({ kind: 'slow-mode', seconds: choice })}
        >
          Set slow mode
        </button>
      </div>
    </section>
  );
}
