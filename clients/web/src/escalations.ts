// A counselor's escalations (the dashboard): pure state and texts, no I/O. Items are kept by
// escalation id and only move forward (open → acknowledged, level 0 → 1 → …), so a list
// answer or an event that arrives late never undoes a newer one. After a (re)connect the
// lists (OPEN, ACKNOWLEDGED, IN_PROGRESS) are fetched again; an item from before that no list
// nor any event confirms has left those states while we were away and is dropped. Times are in
// this browser's clock (proto.ts converts them); `now` is always passed in.
import { EscalationSource, EscalationState, labelOf } from './proto';
import type { EscalationInfo, Member } from './proto';

/**
 * The lists a counselor's dashboard fetches on every connect. Resolved cases are not listed
 * (the server lists oldest first, so a long history would crowd out the recent ones); one
 * resolved while the page is open stays in view.
 */
export const LISTED_STATES = [EscalationState.OPEN, EscalationState.ACKNOWLEDGED, EscalationState.IN_PROGRESS] as const;
export type ListedState = (typeof LISTED_STATES)[number];
/** Asked for in each ListEscalations; a shorter answer is the whole list. */
export const ESCALATION_PAGE = 200;

export type ListStatus = 'idle' | 'loading' | 'loaded' | 'failed';

export interface Escalations {
  items: Record<string, EscalationInfo>;
  lists: Record<ListedState, ListStatus>;
  /** Why the lists could not be loaded ('' when they could). */
  error: string;
  /** AckEscalation in flight, by id. */
  acking: Record<string, true>;
  /** Ids from before the last (re)load that no list answer or event has confirmed since. */
  stale: Record<string, true>;
}

function allLists(status: ListStatus): Record<ListedState, ListStatus> {
  return Object.fromEntries(LISTED_STATES.map((st) => [st, status])) as Record<ListedState, ListStatus>;
}

export const noEscalations: Escalations = {
  items: {},
  lists: allLists('idle'),
  error: '',
  acking: {},
  stale: {},
};

/** What an upsert changed: a new item, a re-page of an open one, anything else, nothing. */
export type Change = 'added' | 'repaged' | 'changed' | 'none';

export interface UpsertResult {
  state: Escalations;
  change: Change;
}

/** Still waiting for someone: OPEN (and, defensively, a state the server left unset). */
export function isOpen(e: EscalationInfo): boolean {
  return e.state === EscalationState.OPEN || e.state === EscalationState.UNSPECIFIED;
}

function stateRank(s: EscalationState): number {
  return s === EscalationState.UNSPECIFIED ? 1 : s; // OPEN 1 < ACKNOWLEDGED 2 < IN_PROGRESS 3 < RESOLVED 4
}

/** <0: `a` is older news than `b`; 0: the same point in its life; >0: newer. */
export function progress(a: EscalationInfo, b: EscalationInfo): number {
  return stateRank(a.state) - stateRank(b.state) || a.pageLevel - b.pageLevel || a.deadlineMs - b.deadlineMs;
}

function sameItem(a: EscalationInfo, b: EscalationInfo): boolean {
  return (
    a.state === b.state &&
    a.pageLevel === b.pageLevel &&
    a.deadlineMs === b.deadlineMs &&
    a.acknowledgedBy === b.acknowledgedBy &&
    a.acknowledgedAtMs === b.acknowledgedAtMs &&
    a.text === b.text &&
    a.roomName === b.roomName &&
    a.sender?.displayName === b.sender?.displayName &&
    a.categories.join() === b.categories.join()
  );
}

function withoutKey<T>(r: Record<string, T>, key: string): Record<string, T> {
  if (!(key in r)) return r;
  const next = { ...r };
  delete next[key];
  return next;
}

/**
 * An escalation from an event, a list or an ack: insert it, or update the one with its id unless
 * what we hold is further along. A copy without text or sender keeps what we had.
 */
export function upsertEscalation(s: Escalations, e: EscalationInfo): UpsertResult {
  const id = e.escalationId;
  if (!id || id === '0') return { state: s, change: 'none' };
  const stale = withoutKey(s.stale, id);
  const old = s.items[id];
  if (old && progress(e, old) < 0) return { state: stale === s.stale ? s : { ...s, stale }, change: 'none' };
  const next: EscalationInfo = old
    ? { ...e, text: e.text || old.text, sender: e.sender ?? old.sender, roomName: e.roomName || old.roomName }
    : e;
  if (old && sameItem(old, next)) return { state: stale === s.stale ? s : { ...s, stale }, change: 'none' };
  const change: Change = !old ? 'added' : isOpen(next) && next.pageLevel > old.pageLevel ? 'repaged' : 'changed';
  const acking = isOpen(next) ? s.acking : withoutKey(s.acking, id);
  return { state: { ...s, items: { ...s.items, [id]: next }, stale, acking }, change };
}

/** A (re)connect: the lists are asked for again; what we hold waits to be confirmed. */
export function requestLists(s: Escalations): Escalations {
  const stale: Record<string, true> = {};
  for (const id of Object.keys(s.items)) stale[id] = true;
  return {
    ...s,
    stale,
    error: '',
    lists: allLists('loading'),
  };
}

/**
 * The answer to ListEscalations{state}. `complete`: it held fewer than were asked for, so an
 * unconfirmed item we hold in that state has left it (acknowledged elsewhere while we were
 * offline, say) and goes. Listed items never raise an alert: they are not news.
 */
export function applyList(s: Escalations, state: ListedState, list: EscalationInfo[], complete: boolean): Escalations {
  let next = s;
  for (const e of list) next = upsertEscalation(next, e).state;
  if (complete) {
    const items = { ...next.items };
    const stale = { ...next.stale };
    const acking = { ...next.acking };
    for (const id of Object.keys(next.stale)) {
      const it = items[id];
      if (it && (it.state === state || (state === EscalationState.OPEN && isOpen(it)))) {
        delete items[id];
        delete stale[id];
        delete acking[id];
      }
    }
    next = { ...next, items, stale, acking };
  }
  return { ...next, lists: { ...next.lists, [state]: 'loaded' } };
}

export function listFailed(s: Escalations, state: ListedState, error: string): Escalations {
  return { ...s, error, lists: { ...s.lists, [state]: 'failed' } };
}

/** Acknowledge was pressed: at most one request per open item. */
export function startAck(s: Escalations, id: string): Escalations {
  const e = s.items[id];
  if (!e || !isOpen(e) || s.acking[id]) return s;
  return { ...s, acking: { ...s.acking, [id]: true } };
}

/** EscalationAcked: the item as the server now has it (acknowledged, by whom and when). */
export function applyAcked(s: Escalations, e: EscalationInfo): Escalations {
  const r = upsertEscalation(s, e).state;
  return { ...r, acking: withoutKey(r.acking, e.escalationId) };
}

/** The ack was refused or lost: the button comes back. */
export function ackFailed(s: Escalations, id: string): Escalations {
  const acking = withoutKey(s.acking, id);
  return acking === s.acking ? s : { ...s, acking };
}

/** The connection dropped: answers to acks in flight will not come. */
export function escalationsDisconnected(s: Escalations): Escalations {
  return Object.keys(s.acking).length ? { ...s, acking: {} } : s;
}

// ---- views --------------------------------------------------------------------------------

/** Decimal ids: the longer is the larger; equal lengths compare as text. */
function compareIds(x: string, y: string): number {
  if (x.length !== y.length) return x.length - y.length;
  return x === y ? 0 : x < y ? -1 : 1;
}

/** Open escalations, oldest first: the one waiting longest is at the top. */
export function openEscalations(s: Escalations): EscalationInfo[] {
  return Object.values(s.items)
    .filter(isOpen)
    .sort((a, b) => a.createdAtMs - b.createdAtMs || compareIds(a.escalationId, b.escalationId));
}

/** Acknowledged (and anything further along), the most recently acknowledged first. */
export function acknowledgedEscalations(s: Escalations): EscalationInfo[] {
  return Object.values(s.items)
    .filter((e) => !isOpen(e))
    .sort((a, b) => b.acknowledgedAtMs - a.acknowledgedAtMs || compareIds(b.escalationId, a.escalationId));
}

export function openCount(s: Escalations): number {
  return Object.values(s.items).filter(isOpen).length;
}

// ---- texts --------------------------------------------------------------------------------

const SOURCE_LABELS: Record<EscalationSource, string> = {
  [EscalationSource.UNSPECIFIED]: 'Escalation',
  [EscalationSource.RISK_RULE]: 'Risk detected in a message',
  [EscalationSource.PEER_REPORT]: 'Reported by another student',
  [EscalationSource.NEED_TO_TALK]: 'Asked to talk (“I need to talk”)',
  [EscalationSource.FACILITATOR]: 'Raised by the facilitator',
};

export function sourceLabel(source: EscalationSource): string {
  return SOURCE_LABELS[source] ?? SOURCE_LABELS[EscalationSource.UNSPECIFIED];
}

const CATEGORY_LABELS: Record<string, string> = {
  self_harm: 'Self-harm',
  abuse_disclosure: 'Abuse disclosure',
  severe_bullying: 'Severe bullying',
  violence_threat: 'Threat of violence',
  need_to_talk: 'Wants to talk',
};

/** "self_harm" → "Self-harm"; an unknown "some_new_thing" reads "Some new thing". */
export function categoryLabel(c: string): string {
  return labelOf(CATEGORY_LABELS, c);
}

export function categoriesText(categories: string[]): string {
  return categories.map(categoryLabel).filter(Boolean).join(', ');
}

const STATE_LABELS: Record<EscalationState, string> = {
  [EscalationState.UNSPECIFIED]: 'Open',
  [EscalationState.OPEN]: 'Open',
  [EscalationState.ACKNOWLEDGED]: 'Acknowledged',
  [EscalationState.IN_PROGRESS]: 'In progress',
  [EscalationState.RESOLVED]: 'Resolved',
};

export function stateLabel(state: EscalationState): string {
  return STATE_LABELS[state] ?? 'Open';
}

/** For styling: "open", "acknowledged", "in-progress", "resolved". */
export function stateClass(state: EscalationState): string {
  return stateLabel(state).toLowerCase().replace(/\s+/g, '-');
}

/** "level 0 (on-duty counselors)", "level 2". */
export function pageLevelText(level: number): string {
  return level === 0 ? 'level 0 (on-duty counselors)' : `level ${level}`;
}

/** "Blue Heron in Lunch Bunch" (the parts the server sent). */
export function whoWhere(e: EscalationInfo): string {
  const who = e.sender?.displayName || 'A student';
  return e.roomName ? `${who} in ${e.roomName}` : who;
}

/** "4:32", "1:04:32": a duration in whole seconds, rounded up. */
function clock(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * The live countdown of an open escalation: "re-pages in 4:32", or "overdue — paged level 1"
 * once the deadline has passed (until the server's re-page arrives). '' when not open or when
 * the server set no deadline.
 */
export function countdownText(e: EscalationInfo, now: number): string {
  if (!isOpen(e) || !e.deadlineMs) return '';
  const left = e.deadlineMs - now;
  return left > 0 ? `re-pages in ${clock(left)}` : `overdue — paged level ${e.pageLevel}`;
}

/** True once the deadline has passed (styled as urgent). */
export function isOverdue(e: EscalationInfo, now: number): boolean {
  return isOpen(e) && e.deadlineMs > 0 && e.deadlineMs <= now;
}

/** "just now", "4 min ago", "2 h 5 min ago", "3 days ago". */
export function agoText(ms: number, now: number): string {
  if (!ms) return '';
  const mins = Math.floor(Math.max(0, now - ms) / 60_000);
  if (mins < 1) return 'just now';
  if (mins < 60) return `${mins} min ago`;
  const h = Math.floor(mins / 60);
  if (h < 24) return mins % 60 ? `${h} h ${mins % 60} min ago` : `${h} h ago`;
  const d = Math.floor(h / 24);
  return d === 1 ? '1 day ago' : `${d} days ago`;
}

/** "Acknowledged by you at 3:14 PM" / "… by another counselor …" (`time` already formatted). */
export function acknowledgedText(e: EscalationInfo, me: Member | null, time: string): string {
  if (isOpen(e)) return '';
  const by = !e.acknowledgedBy ? '' : me && e.acknowledgedBy === me.userId ? ' by you' : ' by another counselor';
  return `Acknowledged${by}${time ? ` at ${time}` : ''}`;
}

/** The page title: "(2) Circles" while escalations are open. */
export function titleText(open: number, base = 'Circles'): string {
  return open > 0 ? `(${open}) ${base}` : base;
}

/**
 * "Risk detected in a message: Self-harm" — the source and the categories, without saying twice
 * that a student asked to talk.
 */
export function whatText(e: EscalationInfo, sep = ': '): string {
  const cats = e.source === EscalationSource.NEED_TO_TALK ? e.categories.filter((c) => c !== 'need_to_talk') : e.categories;
  return [sourceLabel(e.source), categoriesText(cats)].filter(Boolean).join(sep);
}

/** What the assertive alert says about an event, or '' when it is not news. */
export function alertText(e: EscalationInfo, change: Change): string {
  if (!isOpen(e)) return '';
  const what = whatText(e);
  if (change === 'added') return `New escalation: ${whoWhere(e)} — ${what}.`;
  if (change === 'repaged') return `Still not acknowledged, paged ${pageLevelText(e.pageLevel)}: ${whoWhere(e)} — ${what}.`;
  return '';
}
