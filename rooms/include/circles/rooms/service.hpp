#pragma once
// Rooms as the gateway sees them: who may join, what a joiner sees first, how a resume is
// answered, and how a stored message reaches the room. It checks membership on every call
// (never trusts the connection), keeps presence, and publishes on the bus only what the
// store has committed.
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "circles/rooms/bus.hpp"
#include "circles/rooms/hub.hpp"
#include "circles/rooms/presence.hpp"
#include "circles/storage/store.hpp"
#include "circles/v1/circles.pb.h"

namespace circles::rooms {

enum class errc {
    ok = 0,
    room_not_found = 1,
    not_a_member = 2,
    store_unavailable = 3,
    forbidden = 4,          // the user's role does not allow this in the room
    message_not_found = 5,  // no message with that seq in the room
    invalid_argument = 6,   // a citation, duration or move the store refuses
    report_not_found = 7,   // no report with that id in the room
    limit_reached = 8,      // a named limit would be passed (open reports)
};
const boost::system::error_category& rooms_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), rooms_category()};
}
template <class T>
using result = boost::system::result<T>;

inline constexpr std::size_t storage_page_limit = 500;  // storage::limits::max_page_messages
// A catch-up reads a room's session and controls at most this many times: while live events for
// the room keep overtaking its reads it reads again, and the last read holds off those events
// until it is told (service::tell_room_state).
inline constexpr int max_restatement_reads = 3;

struct limits {
    std::size_t default_page = 50;  // history page when the client names none
    std::size_t max_page = 200;     // largest history page a client may ask for
    std::size_t max_replay = 1000;  // a resume further behind than this reloads instead
    // Facilitated rooms: students post only while a session is open and a facilitator is
    // present, after accepting the group agreement. false runs every room always live.
    bool sessions_required = true;
};

// A room's session as a member sees it: whether one is open and by whom, whether a
// facilitator is present, and when the room meets.
struct session_view {
    storage::room_id room = 0;
    storage::room_session session;
    std::optional<member> opened_by;  // set while a session is open
    bool facilitator_present = false;
    bool required = true;  // limits::sessions_required
    storage::room_schedule schedule;
    // Students may post: a session is open and a facilitator present (or sessions are off).
    bool live() const noexcept { return !required || (session.open() && facilitator_present); }
};

// A member of a room as the facilitator's member list shows them.
// A peer report with the message it is about, as a viewer may see it (frames.hpp fill()).
struct report_view {
    storage::report report;
    storage::stored_message message;  // status removed: shown without its text
    bool duplicate = false;           // file_report: reported before, the first report stands
};

// The open check-in round as a member sees it on joining.
struct checkin_state {
    storage::checkin_round round;
    bool you_answered = false;
};

// One member in the participation view.
struct participation_entry {
    member who;
    int messages = 0;
    int share_percent = 0;  // of all members' messages in the window, rounded
    std::int64_t last_spoke_ms = 0;
    bool present = false;
};

struct checkin_reply {
    storage::checkin_answer answer;
    member who;
};

// What a facilitator sees: each member's share since the session opened (the last hour when
// none is open), students first, quietest first; and the open round with its answers.
struct participation_view {
    std::int64_t since_ms = 0;
    std::vector<participation_entry> members;
    storage::checkin_round round;  // id 0 when none is open
    std::vector<checkin_reply> answers;
};

struct member_info {
    member who;
    bool present = false;
    std::int64_t muted_until_ms = 0;  // 0 when not muted
};

struct resume_point {
    storage::seq_t last_seq = 0;
    std::uint64_t epoch = 0;
};

struct join_outcome {
    storage::room room;
    bool recovered = false;  // messages continue from the resume point
    std::vector<storage::stored_message> messages;
    bool has_more = false;
    std::vector<member> present;
    storage::seq_t delivered_through = 0;  // the highest seq covered (incl. ones not shown)
};

class service {
  public:
    // Tells the room's local connections of every change in the presence's view (see
    // presence.hpp): presence changes do not travel on the bus, each node tells its own.
    service(storage::store& store, bus& b, presence& p, limits l = {});
    ~service();
    service(const service&) = delete;
    service& operator=(const service&) = delete;

    result<std::vector<storage::room>> rooms_of(const storage::user& u);

    // Subscribes `conn` to the room's events *before* reading the store, so nothing committed
    // in between is missed; the connection drops events at or below delivered_through.
    // `subscribe` is false when the connection is in the room already and only wants the
    // replay (a re-join after it saw a gap): presence then does not flicker.
    result<join_outcome> join(const storage::user& u, storage::room_id room,
                              std::optional<resume_point> resume, std::size_t page,
                              const std::shared_ptr<subscriber>& conn, bool subscribe = true);
    void leave(const storage::user& u, storage::room_id room, const subscriber* conn);

    result<storage::history_page> history(const storage::user& u, storage::room_id room,
                                          storage::seq_t before_seq, std::size_t limit);

    // For a connection that saw a gap in the live stream: every status, unfiltered; the
    // connection applies visible_to() for its viewer.
    result<std::vector<storage::stored_message>> since(storage::room_id room,
                                                       storage::seq_t after_seq);

    // Membership and room check for a member's action (a report, a check-in answer, a
    // facilitator's action).
    result<storage::room> authorize(const storage::user& u, storage::room_id room);
    // authorize and posting_state in one read, for a send (every send checks both); the
    // caller then moderates and calls append().
    struct send_check {
        storage::room room;
        storage::posting_state posting;
    };
    result<send_check> authorize_send(const storage::user& u, storage::room_id room);
    // Who may read a room (join it, page its history): its members, and any counselor of its
    // school, who may join a room to observe it (they appear in presence as a counselor, and
    // may not post there unless they are a member). With `record`, a counselor's observation
    // is committed to the audit trail ("room.observed") before it is allowed.
    result<storage::room> authorize_reader(const storage::user& u, storage::room_id room,
                                           bool record = false);

    using append_done = std::function<void(storage::result<storage::append_result>)>;
    // Stores the message; after the commit, publishes it to the room (unless it was a retried
    // duplicate) and then calls `done`, on the store's writer thread.
    void append(const storage::user& sender, storage::append_request req, append_done done);

    const limits& limits_in_force() const noexcept { return limits_; }

    // --- facilitated sessions (sessions.cpp) -----------------------------------------------
    // The room's session, schedule and facilitator presence. Reads the store.
    result<session_view> session(storage::room_id room);
    // Facilitators who are members of the room only (errc::forbidden for anyone else). Opens
    // or closes the session (idempotent), then tells every member of the room, on every node,
    // with a SessionState event.
    result<session_view> open_session(const storage::user& u, storage::room_id room);
    result<session_view> close_session(const storage::user& u, storage::room_id room);
    // Whether a facilitator of the room is connected now, on any node (presence).
    bool facilitator_present(storage::room_id room);

    // --- facilitator actions (actions.cpp) ---------------------------------------------------
    // Each is for the room's facilitators (errc::forbidden for anyone else), acts on students
    // only (errc::forbidden for a staff target), is audited by the store with `why`, and is
    // then told to the room on every node:
    // - an approved message goes to everyone as a MessageEvent, a removed one as
    //   MessageRemoved (both outside the room sequence: the seq is the message's own);
    // - RoomControls and MemberRemoved go to everyone;
    // - MemberMuted goes to the muted student and the room's staff only.
    result<storage::stored_message> moderate_message(const storage::user& u, storage::room_id room,
                                                     storage::seq_t seq, storage::message_status to,
                                                     const storage::citation& why);
    result<storage::room_controls> set_controls(const storage::user& u, storage::room_id room,
                                                const storage::room_controls& controls,
                                                const storage::citation& why);
    // until_ms 0 lifts the mute. Returns the member muted.
    result<member> mute(const storage::user& u, storage::room_id room, storage::user_id target,
                        std::int64_t until_ms, const storage::citation& why);
    result<member> expel(const storage::user& u, storage::room_id room, storage::user_id target,
                         const storage::citation& why);
    // Staff who belong to the room (moderates()): the held queue and the member list.
    result<std::vector<storage::stored_message>> held(const storage::user& u,
                                                      storage::room_id room);
    result<std::vector<member_info>> members(const storage::user& u, storage::room_id room);
    // The room's controls, and until when `u` is muted, for a joiner (one read).
    result<storage::posting_state> posting_state(const storage::user& u, storage::room_id room);

    // The room's facilitators raise a worry about message `seq` with the school's counselors:
    // a durable escalation (source facilitator) about it, one per message. Blocks on the
    // store: call off the I/O threads; the caller pages it.
    struct raised {
        std::int64_t escalation_id = 0;
        bool duplicate = false;
    };
    result<raised> escalate_message(const storage::user& u, storage::room_id room,
                                    storage::seq_t seq);

    // --- check-in rounds and participation (checkins.cpp) ---------------------------------------
    // The room's facilitators start a round (ending the last); the room gets CheckInRound.
    result<storage::checkin_round> start_checkin(const storage::user& u, storage::room_id room);
    // A student answers the room's open round `round` (errc::invalid_argument when it is not
    // that round, or for an invalid answer; errc::forbidden for staff). The answer goes to the
    // student and the room's staff (CheckInAnswer), the counts to everyone (CheckInCount).
    result<storage::checkin_round> answer_checkin(const storage::user& u, storage::room_id room,
                                                  std::int64_t round,
                                                  storage::checkin_answer answer);
    // The open round for a joiner, and whether they answered it; nullopt when none is open.
    result<std::optional<checkin_state>> checkin_for(const storage::user& u, storage::room_id room);
    // Staff of the room (moderates()).
    result<participation_view> participation(const storage::user& u, storage::room_id room);

    // --- peer reports (reports.cpp) ----------------------------------------------------------
    // A student reports a visible message someone else wrote (errc::forbidden for staff,
    // message_not_found for no such visible message, invalid_argument for their own). A
    // safety report first opens an escalation (source peer_report) about the message: its
    // author, its text, its seq; report.escalation_id names it, for the caller to page.
    // Then the room's staff, and only they, get ReportFiled on every node. Blocks on the
    // store: call off the I/O threads.
    result<report_view> file_report(const storage::user& u, storage::room_id room,
                                    storage::seq_t seq, storage::report_category category,
                                    std::string note);
    // Staff of the room: its open reports, oldest first. A student: their own, newest first.
    result<std::vector<report_view>> reports(const storage::user& u, storage::room_id room);
    // The room's facilitators settle a report (dismissed or actioned); the reporter and the
    // room's staff get ReportHandled.
    result<report_view> handle_report(const storage::user& u, storage::room_id room,
                                      std::int64_t id, storage::report_state to);

    // After a bus outage or a bus subscribe that completed late, events may have been lost
    // with no later event to reveal the gap: tell the room's local connections how far the
    // room has committed (a seq hint) so they fill up from the store, and the room's session
    // and controls as they are now. Reads the store: call off the I/O threads.
    void catch_up(storage::room_id room);
    void catch_up_all();
    // Tells the room's local connections to check that their viewer may still read the room (a
    // removal may have been published while this node was not subscribed). Reads nothing:
    // call it where the room's bus subscription is confirmed, before any event of the room is
    // handed on, so that the check comes first on every connection.
    void check_readers(storage::room_id room);

    // An event for the room's staff alone (facilitators, counselors, admins joined to it), on
    // every node, outside the room sequence: a case from the room was resolved.
    void publish_to_staff(storage::room_id room, const v1::ServerFrame& frame);

    // --- school channels ----------------------------------------------------------------
    // Besides its rooms, each school has one bus channel for what its staff must see at once
    // on every node (escalation pages). It travels as the room id -school, which no room
    // has; a connection watching it gets every event of the channel and decides itself what
    // its viewer may see.
    static storage::room_id school_channel(storage::school_id school) noexcept { return -school; }
    void watch_school(storage::school_id school, const std::shared_ptr<subscriber>& conn);
    void unwatch_school(storage::school_id school, const subscriber* conn);

    // --- the sessions channel --------------------------------------------------------------
    // One bus channel every node watches: a logout on one node closes the sockets opened with
    // that login on every node. It carries the token's hash (what the store keeps), never the
    // token itself.
    static constexpr storage::room_id sessions_channel =
        std::numeric_limits<storage::room_id>::min();
    void watch_sessions(const std::shared_ptr<subscriber>& watcher);
    void publish_session_ended(std::string token_hash);
    void publish_to_school(storage::school_id school, std::shared_ptr<const std::string> frame);

  private:
    result<session_view> view_of(storage::room_id room, storage::room_session s);
    result<session_view> change_session(const storage::user& u, storage::room_id room, bool open);
    // To this node's connections in the room.
    void tell_presence(storage::room_id room, const member& m, bool present);
    void tell_room_state(storage::room_id room);
    // The room's session and controls as they are now, encoded (tell_room_state).
    std::vector<std::shared_ptr<const std::string>> room_state_frames(storage::room_id room);
    // The room exists, `u` belongs to it and may act as `need` requires.
    enum class acting { facilitator, staff };
    result<storage::room> authorize_staff(const storage::user& u, storage::room_id room,
                                          acting need);
    // `u`, a facilitator of the room, acting on `target`: a student who belongs to it
    // (errc::forbidden for staff, not_a_member otherwise).
    result<storage::user> student_for(const storage::user& u, storage::room_id room,
                                      storage::user_id target);
    // Publishes an event about one member outside the room sequence; `how` says who sees it
    // and what it does (room_event::status).
    void publish_about(storage::room_id room, const v1::ServerFrame& frame, storage::user_id member,
                       storage::message_status how);

    // Stores an escalation about room message `m` (kept out of the room, m.seq its seq), keyed
    // by `key` so a retry finds it again; waits for the commit.
    result<storage::append_result> escalate_about(const storage::stored_message& m,
                                                  storage::escalation_source source,
                                                  const std::string& category, std::string key);
    // The message `seq` of `room` as stored (any status); message_not_found for none.
    result<storage::stored_message> message_at(storage::room_id room, storage::seq_t seq);
    // Tells the reporter and the room's staff that `r` was settled.
    void publish_handled(const report_view& r);
    // After a facilitator removed message `seq`: its open reports are actioned, and told.
    void settle_reports(const storage::user& u, storage::room_id room, storage::seq_t seq);

    // A bus event outside the room sequence, handed to the room's connections here.
    void dispatch_unsequenced(const room_event& ev);

    storage::store& store_;
    bus& bus_;
    presence& presence_;
    hub hub_;
    limits limits_;
    // A restatement (tell_room_state) must never reach a connection after a live event that
    // is newer than what it read. Both are dispatched under this lock, and the restatement
    // only if no event outside the sequence reached the room since its read began.
    std::mutex unsequenced_mutex_;
    std::unordered_map<storage::room_id, std::uint64_t> unsequenced_;  // events per room
};

}  // namespace circles::rooms

namespace boost::system {
template <>
struct is_error_code_enum<circles::rooms::errc> : std::true_type {};
}  // namespace boost::system
