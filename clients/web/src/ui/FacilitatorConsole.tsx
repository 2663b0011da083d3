import { useState } from 'preact/hooks';
import type { FacAction } from '../facilitation';
import type { ChatMessage, Member } from '../proto';
import type { RoomState } from '../store';
import { HeldQueue } from './HeldQueue';
import { MemberPanel } from './MemberPanel';
import { RoomControlsPanel } from './RoomControlsPanel';

type Panel = 'held' | 'members' | 'controls';

const PANELS: { key: Panel; id: string }[] = [
  { key: 'held', id: 'console-held' },
  { key: 'members', id: 'console-members' },
  { key: 'controls', id: 'console-controls' },
];

/**
 * A facilitator's tools for the open room: the held queue, the member list and the room
 * controls, one panel open at a time behind disclosure buttons (so the conversation keeps the
 * screen on a phone). Its polite live region reads out new held messages and what each action
 * did. Keyed by room.
 */
export function FacilitatorConsole(props: {
  rs: RoomState;
  me: Member | null;
  /** The latest console announcement for this room. */
  note: string;
  onAct: (a: FacAction, m?: ChatMessage) => void;
}) {
  const { rs } = props;
  const [open, setOpen] = useState<Panel | null>(null);
  const heldCount = rs.held?.length ?? 0;
  const label = (p: Panel) =>
    p === 'held' ? `Held messages (${heldCount})` : p === 'members' ? 'Members' : 'Room controls';

  return (
    <section class="console" aria-labelledby="console-heading" data-testid="facilitator-console">
      <h3 id="console-heading" class="visually-hidden">
        Facilitator tools
      </h3>
      <div class="console-tabs">
        {PANELS.map(({ key, id }) => (
          <button
            key={key}
            type="button"
            class={`small console-tab${key === 'held' && heldCount > 0 ? ' has-held' : ''}`}
            aria-expanded={open === key ? 'true' : 'false'}
            aria-controls={id}
            onClick={() => setOpen(open === key ? null : key)}
          >
            {label(key)}
          </button>
        ))}
      </div>
      <p class="console-note" role="status" aria-live="polite" aria-atomic="true" data-testid="console-note">
        {props.note}
      </p>
      <HeldQueue id="console-held" hidden={open !== 'held'} held={rs.held} error={rs.heldError} onAct={props.onAct} />
      <MemberPanel
        id="console-members"
        hidden={open !== 'members'}
        members={rs.members}
        error={rs.membersError}
        me={props.me}
        now={Date.now()}
        onAct={props.onAct}
      />
      <RoomControlsPanel
        id="console-controls"
        hidden={open !== 'controls'}
        controls={rs.controls}
        onAct={props.onAct}
      />
    </section>
  );
}
