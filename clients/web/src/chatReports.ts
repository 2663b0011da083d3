// The controller's part for peer reports: which requests go out (ListReports on every join,
// a student's ReportMessage, a facilitator's HandleReport) and how their answers and the
// pushed ReportFiled / ReportHandled land in the room's state. It works through the narrow
// `ReportHost` that ChatClient hands it, so chat.ts only routes frames here; the state and
// texts are in reports.ts.
import type { ClientBody, Member, ServerFrame, WireError } from './proto';
import { ErrorCode, ReportCategory, ReportState, Role } from './proto';
import * as rep from './reports';
import type { RoomState } from './store';

export type ReportPending =
  | { kind: 'report'; roomId: string; seq: number }
  | { kind: 'reports'; roomId: string }
  | { kind: 'handleReport'; roomId: string; reportId: string };

export type ReportFrame = Extract<
  ServerFrame['body'],
  { case: 'reportAck' | 'reportFiled' | 'reports' | 'reportHandled' }
>;

export function isReportRequest(p: { kind: string } | undefined): p is ReportPending {
  return p?.kind === 'report' || p?.kind === 'reports' || p?.kind === 'handleReport';
}

/** What ChatClient lends this part. */
export interface ReportHost {
  me(): Member | null;
  room(roomId: string): RoomState | undefined;
  setRoom(rs: RoomState): void;
  /** Sends; null when offline. */
  request(p: ReportPending, body: ClientBody): bigint | null;
  /** The facilitator console's polite live region. */
  staffSay(roomId: string, text: string): void;
  alert(text: string): void;
  /** A server time (Unix ms) in this browser's clock. */
  toLocal(serverMs: number): number;
}

const OFFLINE = "You're offline, so it wasn't sent. Please try again once Circles is back.";

/** The room an answer is about: its own room id, else the request's. */
function roomOf(roomId: string, req: ReportPending | undefined): string {
  return roomId && roomId !== '0' ? roomId : (req?.roomId ?? '');
}

export class ChatReports {
  constructor(private readonly host: ReportHost) {}

  private role(): Role | undefined {
    return this.host.me()?.role;
  }

  private update(roomId: string, f: (r: rep.RoomReports) => rep.RoomReports): void {
    const rs = this.host.room(roomId);
    if (!rs) return;
    const reports = f(rs.reports);
    if (reports !== rs.reports) this.host.setRoom({ ...rs, reports });
  }

  private toReport(w: Parameters<typeof rep.toReport>[0]): rep.ReportInfo {
    return rep.toReport(w, (ms) => this.host.toLocal(ms));
  }

  /** After every join: a student's own reports, or a facilitator's queue. */
  load(roomId: string): void {
    const role = this.role();
    if (role !== Role.STUDENT && role !== Role.FACILITATOR) return;
    this.host.request({ kind: 'reports', roomId }, { case: 'listReports', value: { roomId: BigInt(roomId) } });
  }

  /**
   * A student reports message `seq` of the room. Returns why nothing was sent, or null once it
   * is on its way (the dialog then follows `reports.send`).
   */
  report(roomId: string, seq: number, category: ReportCategory, note: string): string | null {
    if (this.role() !== Role.STUDENT) return 'Only students can report messages.';
    const problem = rep.reportProblem(category, note);
    if (problem) return problem.text;
    const rs = this.host.room(roomId);
    if (!rs) return 'Open the room first.';
    const id = this.host.request(
      { kind: 'report', roomId, seq },
      { case: 'reportMessage', value: { roomId: BigInt(roomId), seq: BigInt(seq), category, note: note.trim() } },
    );
    if (id === null) return OFFLINE;
    this.update(roomId, (r) => rep.startReport(r, seq));
    return null;
  }

  /** The report dialog closed. */
  closeReport(roomId: string): void {
    this.update(roomId, rep.closeReport);
  }

  dismissNote(roomId: string, noteId: number): void {
    this.update(roomId, (r) => rep.dismissNote(r, noteId));
  }

  /** A facilitator dismisses a report: the message stays as it is. */
  dismiss(roomId: string, reportId: string): void {
    const rs = this.host.room(roomId);
    if (!rs || this.role() !== Role.FACILITATOR || rs.reports.handling[reportId]) return;
    const id = this.host.request(
      { kind: 'handleReport', roomId, reportId },
      { case: 'handleReport', value: { roomId: BigInt(roomId), reportId: BigInt(reportId), outcome: ReportState.DISMISSED } },
    );
    if (id === null) return this.host.alert(OFFLINE);
    this.update(roomId, (r) => rep.startHandling(r, reportId));
    this.host.staffSay(roomId, 'Dismissing the report…');
  }

  onFrame(b: ReportFrame, req: ReportPending | undefined): void {
    switch (b.case) {
      case 'reportAck': {
        const report = this.toReport(b.value.report);
        const roomId = roomOf(report.roomId, req);
        const seq = req?.kind === 'report' ? req.seq : (report.message?.seq ?? 0);
        this.update(roomId, (r) => rep.applyReportAck(r, seq, report, b.value.confirmation));
        return;
      }
      case 'reportFiled': {
        if (this.role() !== Role.FACILITATOR || !b.value.report) return;
        const report = this.toReport(b.value.report);
        const rs = this.host.room(report.roomId);
        if (!rs) return;
        const r = rep.applyFiled(rs.reports, report);
        if (!r.added) return;
        this.host.setRoom({ ...rs, reports: r.state });
        this.host.staffSay(report.roomId, rep.newReportAnnouncement(report));
        return;
      }
      case 'reports':
        return this.listed(roomOf(b.value.roomId.toString(), req), b.value.reports.map((w) => this.toReport(w)));
      case 'reportHandled': {
        if (!b.value.report) return;
        const report = this.toReport(b.value.report);
        const roomId = roomOf(report.roomId, req);
        if (this.role() === Role.STUDENT) {
          this.update(roomId, (r) => rep.applyHandledForStudent(r, report, b.value.notice));
          return;
        }
        this.update(roomId, (r) => rep.dropReport(r, report.reportId));
        if (req?.kind === 'handleReport') {
          this.host.staffSay(
            roomId,
            report.state === ReportState.ACTIONED ? 'Report closed: the message was removed.' : 'Report dismissed: the message stays.',
          );
        }
        return;
      }
    }
  }

  /** An answer to ListReports without a body: nothing to list. */
  onEmptyAnswer(req: ReportPending): void {
    if (req.kind === 'reports') this.listed(req.roomId, []);
  }

  private listed(roomId: string, list: rep.ReportInfo[]): void {
    const role = this.role();
    if (role === Role.STUDENT) this.update(roomId, (r) => rep.applyMyReports(r, list));
    else if (role === Role.FACILITATOR) this.update(roomId, (r) => rep.applyQueue(r, list));
  }

  onError(e: WireError, req: ReportPending): void {
    const retry = Number(e.retryAfterMs);
    switch (req.kind) {
      case 'report': {
        const text = rep.describeReportError(e.code, retry, e.message);
        const rs = this.host.room(req.roomId);
        const r = rs && rep.applyReportError(rs.reports, req.seq, text);
        if (rs && r?.shown) this.host.setRoom({ ...rs, reports: r.state });
        else this.host.alert(text); // the dialog has gone: say it where it is seen
        return;
      }
      case 'reports': {
        // A student's own list is a nicety: an older server (UNKNOWN_FRAME) changes nothing for them.
        if (this.role() !== Role.FACILITATOR) return;
        const text = rep.describeQueueError(e.code, retry, e.message);
        this.update(req.roomId, (r) => ({ ...r, queueError: text }));
        return;
      }
      case 'handleReport': {
        const gone = e.code === ErrorCode.REPORT_NOT_FOUND;
        this.update(req.roomId, (r) => (gone ? rep.dropReport(r, req.reportId) : rep.handlingFailed(r, req.reportId)));
        this.host.alert(rep.describeQueueError(e.code, retry, e.message));
        return;
      }
    }
  }
}
