#pragma once
// One authenticated WebSocket connection. Lifetime follows pending work: the read loop, a
// write in flight, or a store completion each hold a shared_ptr; the room hub and the
// connection registry hold weak references only.
//
// All state is touched on the connection's strand. deliver(), close_for_shutdown() and
// close_if_session() may be called from any thread and only post to it. One write is in
// flight at a time; frames wait in a queue bounded in frames and bytes, and a client that
// cannot keep up is closed with 1008 and resumes later from its last seq. A client that
// offered the "circles.v1.batch" subprotocol gets the frames that queued behind a write as one
// FrameBatch message, so a busy connection costs one socket write per batch, not per frame.
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "beast.hpp"
#include "circles/moderation/engine.hpp"
#include "circles/moderation/token_bucket.hpp"
#include "circles/rooms/hub.hpp"
#include "circles/v1/circles.pb.h"
#include "shared_state.hpp"

namespace circles::gateway {

// A rooms error as the protocol's code, and the words for it (websocket_requests.cpp).
v1::ErrorCode to_error_code(const boost::system::error_code& ec);
std::string_view error_text(v1::ErrorCode code);

class websocket_session : public std::enable_shared_from_this<websocket_session>,
                          public rooms::subscriber,
                          public connection {
  public:
    websocket_session(connection_socket&& socket, std::shared_ptr<shared_state> state,
                      storage::user user, std::string_view token);
    ~websocket_session() override;

    // The connection is closed (4401) once the session ends at `session_expires`.
    void run(http::request<http::string_body> req,
             std::chrono::system_clock::time_point session_expires);

    void deliver(const rooms::room_event& ev) override;
    void close_for_shutdown() override;
    void close_if_session(const std::string& token_hash) override;
    void close_session_expired() override;

  private:
    // I/O (websocket_session.cpp)
    void on_accept(beast::error_code ec);
    void do_read();
    void on_read(beast::error_code ec, std::size_t bytes);
    void enqueue(std::shared_ptr<const std::string> frame);
    void flush();  // posted by enqueue: starts a write with whatever queued meanwhile
    void do_write();
    bool write_batch();  // the queued frames as one FrameBatch, if the client takes them
    void on_write(beast::error_code ec, std::size_t bytes);
    void set_cork(bool on);  // TCP_CORK on the socket while a run of queued frames is written
    // Closes with `code`. Frames being written still go out before the close frame; the rest
    // of the queue is dropped (the client resumes from its last seq), unless `answers_first`:
    // then every queued frame goes out first, the answers that explain the close among them.
    void close(websocket::close_code code, const char* reason, bool answers_first = false);
    void send_close();  // the close frame, once nothing kept is left to write
    void on_event(const rooms::room_event& ev);
    void still_reader(storage::room_id room);
    void leave_removed(storage::room_id room);
    void leave_all();

    // Requests (websocket_requests.cpp)
    void handle(const v1::ClientFrame& frame);
    void on_join(std::uint64_t request_id, const v1::JoinRoom& req);
    void on_leave(std::uint64_t request_id, const v1::LeaveRoom& req);
    void on_history(std::uint64_t request_id, const v1::HistoryRequest& req);
    void on_send(std::uint64_t request_id, const v1::SendMessage& req);
    void on_list_rooms(std::uint64_t request_id);
    // Escalations (websocket_escalations.cpp)
    void watch_school();
    void on_school_event(const rooms::room_event& ev);
    void on_list_escalations(std::uint64_t request_id, const v1::ListEscalations& req);
    void on_ack_escalation(std::uint64_t request_id, const v1::AckEscalation& req);
    // Facilitated sessions and the group agreement (websocket_facilitation.cpp)
    bool gated() const;  // a student, in rooms that need a session and the agreement
    void fill_facilitation(v1::JoinResult& result, const storage::room& room);
    // Whether this user may post in a room now: for a student, the agreement (with sessions),
    // the room's lock, their mute, and (with sessions) an open session with a facilitator.
    struct gate {
        v1::ErrorCode code = v1::ERROR_CODE_UNSPECIFIED;  // UNSPECIFIED: they may
        std::string why;
        std::uint64_t retry_after_ms = 0;  // with MUTED
        int slow_mode_seconds = 0;         // the room's slow mode, which binds students
    };
    // `version`: the agreement version of the policy the send is moderated with.
    // `posting`: the room's posting state for this user, read with the send's membership.
    gate posting_gate(const storage::room& room, const storage::posting_state& posting,
                      const std::string& version);
    void on_change_session(std::uint64_t request_id, std::uint64_t room_id, bool open);
    void on_accept_agreement(std::uint64_t request_id, const v1::AcceptAgreement& req);
    void on_need_to_talk(std::uint64_t request_id, const v1::NeedToTalk& req);
    // Facilitator actions and the staff's lists (websocket_moderation.cpp)
    void on_moderate_message(std::uint64_t request_id, const v1::ModerateMessage& req);
    void on_mute_member(std::uint64_t request_id, const v1::MuteMember& req);
    void on_remove_member(std::uint64_t request_id, const v1::RemoveMember& req);
    void on_set_room_controls(std::uint64_t request_id, const v1::SetRoomControls& req);
    void on_escalate_message(std::uint64_t request_id, const v1::EscalateMessage& req);
    void on_list_held(std::uint64_t request_id, const v1::ListHeld& req);
    void on_list_members(std::uint64_t request_id, const v1::ListMembers& req);
    // Case handling (websocket_cases.cpp): counselors only.
    void on_get_case(std::uint64_t request_id, const v1::GetCase& req);
    void on_update_case(std::uint64_t request_id, const v1::UpdateCase& req);
    void on_reveal_identity(std::uint64_t request_id, const v1::RevealIdentity& req);
    // Runs `work` on the escalation pool for a counselor (FORBIDDEN for anyone else) and
    // answers with its frame, or the error its storage code names.
    void work_case(std::uint64_t request_id,
                   std::function<storage::result<v1::ServerFrame>()> work);
    // Check-in rounds and participation (websocket_checkins.cpp)
    void on_start_check_in(std::uint64_t request_id, const v1::StartCheckIn& req);
    void on_answer_check_in(std::uint64_t request_id, const v1::AnswerCheckIn& req);
    void on_list_participation(std::uint64_t request_id, const v1::ListParticipation& req);
    // Peer reports (websocket_reports.cpp)
    void on_report_message(std::uint64_t request_id, const v1::ReportMessage& req);
    void on_list_reports(std::uint64_t request_id, const v1::ListReports& req);
    void on_handle_report(std::uint64_t request_id, const v1::HandleReport& req);
    // Runs `work` (store writes) on the blocking pool and answers with its frame or error;
    // FORBIDDEN says `forbidden` (by default: only facilitators act, only on students).
    void act(std::uint64_t request_id, storage::room_id room,
             std::function<rooms::result<v1::ServerFrame>()> work, const char* forbidden = nullptr);
    void fill_controls(v1::JoinResult& result, const storage::room& room);
    void on_need_to_talk_stored(std::uint64_t request_id, storage::room_id room,
                                const std::string& room_name, const std::string& client_msg_id,
                                const storage::result<storage::append_result>& r);
    // What moderation decided about a send, carried to its completion.
    struct outcome {
        moderation::action act = moderation::action::allow;
        bool escalate = false;
        int ground_rule = 0;
        std::string reply;
        // The error a send kept out of the room answers with: a ground rule's block, or a
        // closed room or missing agreement that still let a disclosure through to counselors.
        v1::ErrorCode refusal = v1::ERROR_CODE_BLOCKED_BY_POLICY;
    };
    void on_appended(std::uint64_t request_id, storage::room_id room, std::string client_msg_id,
                     const outcome& out, storage::result<storage::append_result> r);
    void reply_blocked(std::uint64_t request_id, storage::room_id room,
                       std::string_view client_msg_id, const outcome& out);
    void reply(std::uint64_t request_id, v1::ServerFrame& frame);
    void reply_error(std::uint64_t request_id, v1::ErrorCode code, std::string_view message,
                     storage::room_id room = 0, std::string_view client_msg_id = {},
                     std::uint64_t retry_after_ms = 0);
    void protocol_error(std::uint64_t request_id, v1::ErrorCode code, std::string_view message);

    websocket::stream<connection_stream> ws_;
    beast::flat_buffer buffer_;
    std::shared_ptr<shared_state> state_;
    storage::user user_;
    const std::string token_hash_;  // the login's, to find this connection at a logout

    std::deque<std::shared_ptr<const std::string>> queue_;
    std::size_t queued_bytes_ = 0;
    bool writing_ = false;
    bool flush_posted_ = false;
    std::size_t in_flight_ = 0;  // queued frames the write in flight carries (a batch: several)
    bool batching_ = false;      // the client offered the "circles.v1.batch" subprotocol
    std::string batch_;          // the FrameBatch in flight, freed when it is written
    bool corked_ = false;
    std::size_t cork_run_ = 0;  // frames of the corked run not yet written
    bool closing_ = false;
    std::optional<websocket::close_reason> close_pending_;  // sent when the kept frames are out
    bool accepted_ = false;

    // Joined rooms and the highest seq delivered in each: live events at or below it are
    // repeats and dropped; an event past it + 1 means a gap, filled from the store.
    std::unordered_map<storage::room_id, storage::seq_t> joined_;
    moderation::token_bucket frame_bucket_;
    std::size_t protocol_errors_ = 0;
    std::uint64_t registry_id_ = 0;
    bool watching_school_ = false;  // staff: subscribed to the school's channel
    // Students: the agreement version accepted last, per joined room (re-read on a mismatch).
    std::unordered_map<storage::room_id, std::string> agreed_;
};

}  // namespace circles::gateway
