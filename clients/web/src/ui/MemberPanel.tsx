import { MUTE_MINUTES, clockText } from '../facilitation';
import type { FacAction } from '../facilitation';
import { Role } from '../proto';
import type { Member, MemberInfo } from '../proto';
import { ConsolePanel } from './ConsolePanel';

function roleLabel(r: Role): string {
  switch (r) {
    case Role.FACILITATOR:
      return 'Facilitator';
    case Role.COUNSELOR:
      return 'Counselor';
    case Role.ADMIN:
      return 'Admin';
    default:
      return '';
  }
}

/** Here now first, then by name. */
function byPresence(a: MemberInfo, b: MemberInfo): number {
  if (a.present !== b.present) return a.present ? -1 : 1;
  return a.member.displayName.localeCompare(b.member.displayName);
}

/**
 * Facilitators: everyone in the room, whether here now and whether muted, with Mute / Unmute and
 * Remove from room for students (each asks for the citation; removal says what it does first).
 */
export function MemberPanel(props: {
  id: string;
  hidden: boolean;
  members: MemberInfo[] | null;
  error: string;
  me: Member | null;
  now: number;
  onAct: (a: FacAction) => void;
}) {
  const { me } = props;
  return (
    <ConsolePanel
      id={props.id}
      hidden={props.hidden}
      label="Members"
      items={props.members}
      error={props.error}
      loadingText="Loading members…"
    >
      {(members) => (
        <ul class="member-list" aria-label="Members of the room">
          {members
            .slice()
            .sort(byPresence)
            .map((x) => {
              const m = x.member;
              const mine = !!me && me.userId === m.userId;
              const muted = x.mutedUntilMs > props.now;
              const student = m.role === Role.STUDENT;
              const infoId = `member-${m.userId}`;
              return (
                <li key={m.userId} class={`member${x.present ? ' present' : ''}`}>
                  <p id={infoId} class="member-info">
                    <span class="member-name">{m.displayName}</span>
                    {mine && <span class="muted"> (you)</span>}
                    {roleLabel(m.role) && <span class="member-role"> · {roleLabel(m.role)}</span>}
                    <span class="member-state"> · {x.present ? 'Here now' : 'Not here'}</span>
                    {muted && (
                      <span class="member-muted"> · Muted until {clockText(x.mutedUntilMs, props.now)}</span>
                    )}
                  </p>
                  {student && !mine && (
                    <div class="member-actions">
                      {muted ? (
                        <button
                          type="button"
                          class="small"
                          aria-describedby={infoId}
                          onClick={() => props.onAct({ kind: 'unmute', member: m })}
                        >
                          Unmute
                        </button>
                      ) : (
                        <button
                          type="button"
                          class="small"
                          aria-describedby={infoId}
                          onClick={() => props.onAct({ kind: 'mute', member: m, minutes: MUTE_MINUTES[0] })}
                        >
                          Mute
                        </button>
                      )}
                      <button
                        type="button"
                        class="small ghost danger-text"
                        aria-describedby={infoId}
                        onClick={() => props.onAct({ kind: 'remove-member', member: m })}
                      >
                        Remove from room
                      </button>
                    </div>
                  )}
                </li>
              );
            })}
        </ul>
      )}
    </ConsolePanel>
  );
}
