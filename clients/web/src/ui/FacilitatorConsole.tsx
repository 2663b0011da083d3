import { useState } from 'preact/hooks';
import type { FacAction } from '../facilitation';
import type { ChatMessage, Member } from '../proto';
import type { RoomState } from '../store';
import { CheckInPanel } from './CheckInPanel';
import { HeldQueue } from './HeldQueue';
import { MemberPanel } from './MemberPanel';
import { ParticipationPanel } from './ParticipationPanel';
import { ReportQueue } from './ReportQueue';
import { RoomControlsPanel } from './RoomControlsPanel';

type Panel = 'held' | 'reports' | 'members' | 'controls' | 'checkin' | 'participation';

const PANELS: { key: Panel; id: string }[] = [
  { key: 'held', id: 'console-held' },
  { key: 'reports', id: 'console-reports' },
  { key: 'members', id: 'console-members' },
  { key: 'controls', id: 'console-controls' },
  { key: 'checkin', id: 'console-checkin' },
  { key: 'participation', id: 'console-participation' },
];

/**
 * A facilitator's tools for the open room: the held queue, students' reports, the member list,
 * the room controls, check-in rounds and the participation view, one panel open at a time
 * behind disclosure buttons (so the conversation keeps the screen on a phone). Its polite live
 * region reads out new held messages, new reports, check-in answers and what each action did.
 * Keyed by room.
 */
export function FacilitatorConsole(props: {
  rs: RoomState;
  me: Member | null;
  /** The latest console announcement for this room. */
  note: string;
  onAct: (a: FacAction, m?: ChatMessage) => void;
  /** Settle a report, leaving the message as it is. */
  onDismissReport: (reportId: string) => void;
  /** Start a check-in round. */
  onStartCheckIn: () => void;
  /** Ask for the participation view (when its section opens, and Refresh). */
  onLoadParticipation: () => void;
}) {
  const { rs } = props;
  const [open, setOpen] = useState<Panel | null>(null);
  const count = (p: Panel) => (p === 'held' ? (rs.held?.length ?? 0) : p === 'reports' ? (rs.reports.queue?.length ?? 0) : 0);
  const labels: Record<Panel, string> = {
    held: `Held messages (${count('held')})`,
    reports: `Reports (${count('reports')})`,
    members: 'Members',
    controls: 'Room controls',
    checkin: 'Check-in',
    participation: 'Participation',
  };
  const now = Date.now();
  const toggle = (p: Panel) => {
    const opening = open !== p;
    setOpen(opening ? p : null);
    if (opening && p === 'participation') props.onLoadParticipation();
  };

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
            class={`small console-tab${count(key) > 0 ? ' has-held' : ''}`}
            aria-expanded={open === key ? 'true' : 'false'}
            aria-controls={id}
            onClick={() => toggle(key)}
          >
            {labels[key]}
          </button>
        ))}
      </div>
      <p class="console-note" role="status" aria-live="polite" aria-atomic="true" data-testid="console-note">
        {props.note}
      </p>
      <HeldQueue id="console-held" hidden={open !== 'held'} held={rs.held} error={rs.heldError} onAct={props.onAct} />
      <ReportQueue
        id="console-reports"
        hidden={open !== 'reports'}
        queue={rs.reports.queue}
        error={rs.reports.queueError}
        handling={rs.reports.handling}
        onDismiss={props.onDismissReport}
        onAct={props.onAct}
      />
      <MemberPanel
        id="console-members"
        hidden={open !== 'members'}
        members={rs.members}
        error={rs.membersError}
        me={props.me}
        now={now}
        onAct={props.onAct}
      />
      <RoomControlsPanel
        id="console-controls"
        hidden={open !== 'controls'}
        controls={rs.controls}
        onAct={props.onAct}
      />
      <CheckInPanel
        id="console-checkin"
        hidden={open !== 'checkin'}
        checkIn={rs.checkIn}
        now={now}
        onStart={props.onStartCheckIn}
      />
      <ParticipationPanel
        id="console-participation"
        hidden={open !== 'participation'}
        checkIn={rs.checkIn}
        now={now}
        onRefresh={props.onLoadParticipation}
      />
    </section>
  );
}
