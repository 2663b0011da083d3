// Test support (never bundled): the room view with do-nothing handlers (and spies for the
// report, check-in and "Tell a counselor" ones), and the facilitator console with spies, so a component test passes
// only what it looks at.
import type { ComponentProps } from 'preact';
import { vi } from 'vitest';
import type { Member } from '../proto';
import type { RoomState } from '../store';
import { FacilitatorConsole } from '../ui/FacilitatorConsole';
import { RoomView } from '../ui/RoomView';
import { mount } from './dom';
import { msRivera } from './fixtures';

type RoomViewProps = ComponentProps<typeof RoomView>;

/** Mount the room view of `rs` as `me`; `update` re-renders it with another state. */
export function showRoom(rs: RoomState, me: Member, extra: Partial<RoomViewProps> = {}) {
  const reports = {
    onReport: vi.fn((): string | null => null),
    onCloseReport: vi.fn(),
    onDismissNote: vi.fn(),
    onDismissReport: vi.fn(),
  };
  const checkIns = {
    onStart: vi.fn(),
    onAnswer: vi.fn((): string | null => null),
    onPass: vi.fn((): string | null => null),
    onLoadParticipation: vi.fn(),
  };
  const onTellCounselor = vi.fn();
  const noop = () => {};
  const ui = (state: RoomState) => (
    <RoomView
      rs={state}
      me={me}
      onBack={noop}
      onSend={() => true}
      onLoadOlder={noop}
      onRetry={noop}
      onDiscard={noop}
      onAcceptAgreement={noop}
      onSetSessionOpen={noop}
      connected
      onAskToTalk={noop}
      onRetryTalk={noop}
      onCloseTalk={noop}
      onAct={() => null}
      staffNote=""
      onTellCounselor={onTellCounselor}
      reports={reports}
      checkIns={checkIns}
      {...extra}
    />
  );
  const view = mount(ui(rs));
  return { root: view.container, reports, checkIns, onTellCounselor, update: (s: RoomState) => view.rerender(ui(s)) };
}

/** Mount the facilitator console of `rs` as Ms. Rivera; `update` re-renders it with another state. */
export function showConsole(rs: RoomState, note = '') {
  const spies = {
    onAct: vi.fn(),
    onDismissReport: vi.fn(),
    onStartCheckIn: vi.fn(),
    onLoadParticipation: vi.fn(),
  };
  const ui = (state: RoomState) => <FacilitatorConsole rs={state} me={msRivera} note={note} {...spies} />;
  const view = mount(ui(rs));
  return { root: view.container, ...spies, update: (s: RoomState) => view.rerender(ui(s)) };
}
