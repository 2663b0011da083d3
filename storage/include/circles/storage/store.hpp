#pragma once
// The durable store: schools, users, rooms, sessions, sealed messages and the audit trail.
//
// `store` is an interface so the SQLite default and the PostgreSQL implementation share every
// caller and every test. Reads are synchronous and safe from any thread. Appends are
// asynchronous: one writer thread drains every pending append, commits them in one
// transaction (group commit), and only then completes each callback, in seq order per room.
// An ack sent from that callback therefore always refers to a committed message.
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/audit.hpp"
#include "circles/storage/errc.hpp"
#include "circles/storage/types.hpp"

namespace circles::storage {

struct store_options {
    std::filesystem::path data_dir;           // holds master.key (and SQLite's circles.db)
    std::size_t max_pending_appends = 65536;  // append queue limit; past it: errc::overloaded
    std::size_t max_batch = 1024;             // appends per commit; 1 = one commit per message
    // Group commit pacing (storage/README.md): a commit starts no sooner than this after the
    // previous one ended, unless group_commit_full appends are already waiting. Zero: commit
    // as soon as anything is queued.
    std::chrono::microseconds group_commit_interval{1000};
    std::size_t group_commit_full = 64;
    // A send that waited longer than this from its queueing to its answer (the commit and its
    // callbacks) is logged as a warning, at most once per slow_commit_warning_every with how
    // many more there were: a stalled disk shows in the log (storage/README.md). Zero: never.
    std::chrono::milliseconds slow_commit_warning{100};
    std::chrono::milliseconds slow_commit_warning_every{std::chrono::minutes(1)};
    std::size_t read_connections = 4;         // pooled connections for reads
    // SQLite's write-ahead log, in pages (4 KiB): see storage/src/sqlite_checkpointer.hpp.
    int wal_checkpoint_pages = 2000;  // a background checkpoint per this much WAL growth
    int wal_rewind_pages = 4000;      // past this, rewind the WAL once a checkpoint caught up
    int wal_restart_pages = 10000;    // past this, the writer completes a checkpoint itself
};

using append_handler = std::function<void(result<append_result>)>;

class store {
  public:
    virtual ~store() = default;

    // --- messages -------------------------------------------------------------------------
    // Seals and queues one message. `done` runs on the writer thread after the commit (or
    // with the error). A retried (room, sender, client_msg_id) completes with the original
    // seq and duplicate=true. The caller must have checked membership.
    // An append refused before queueing (errc::overloaded when the queue is full,
    // errc::closed once the store is closing) completes at once, inside append(), on the
    // caller's thread: do not hold a lock in the caller that `done` also takes.
    // Do not call flush() from `done` (it returns at once there rather than deadlock).
    virtual void append(append_request req, append_handler done) = 0;

    // Newest page when before_seq == 0, else the messages with seq < before_seq; oldest first.
    virtual result<history_page> history(room_id room, seq_t before_seq, std::size_t limit) = 0;

    // Messages with seq > after_seq, oldest first, at most `limit`.
    virtual result<std::vector<stored_message>> since(room_id room, seq_t after_seq,
                                                      std::size_t limit) = 0;

    // Escalations of a school in `state` ("open", ...), oldest first, text decrypted.
    virtual result<std::vector<escalation>> escalations(school_id school, std::string_view state,
                                                        std::size_t limit) = 0;

    // --- escalation paging ----------------------------------------------------------------
    // An escalation is created with page_level 0 and next_page_at_ms = created_at_ms + the
    // school's deadline, in the commit that stores it. Every call below that changes one
    // appends its audit entry in the same transaction.

    // One escalation, text decrypted; errc::not_found when there is none.
    virtual result<escalation> get_escalation(std::int64_t id) = 0;
    // Open escalations of every school whose next_page_at_ms <= now_ms, most overdue first.
    virtual result<std::vector<escalation>> overdue_escalations(std::int64_t now_ms,
                                                                std::size_t limit) = 0;
    // Claims a re-page: moves an open escalation whose deadline is still `expected_deadline_ms`
    // to `level` and `next_deadline_ms`, with an "escalation.paged" entry. False (nothing
    // written) when it is no longer open or another node paged it first.
    virtual result<bool> record_page(std::int64_t id, std::int64_t expected_deadline_ms, int level,
                                     std::int64_t next_deadline_ms) = 0;
    // open -> acknowledged by `counselor`, with an "escalation.acknowledged" entry. Idempotent:
    // an escalation acknowledged already is returned as it is. errc::not_found for an unknown
    // id, errc::not_permitted unless `counselor` is a counselor of the escalation's school.
    virtual result<escalation> acknowledge_escalation(std::int64_t id, user_id counselor) = 0;

    // The school's deadline, webhook and contact list (defaults until set).
    virtual result<escalation_settings> escalation_settings_of(school_id school) = 0;
    // Replaces them (configuration, like rooms and members: not audited).
    // errc::invalid_argument for a
    // deadline outside limits, a webhook that is not http://, an empty or oversized level;
    // errc::not_found for a school or contact that does not exist or is in another school.
    virtual result<void> set_escalation_settings(const escalation_settings& settings) = 0;

    // Blocks until every append queued before the call is committed.
    virtual void flush() = 0;

    // --- schools, users, rooms -----------------------------------------------------------
    virtual result<school> create_school(std::string_view slug, std::string_view name) = 0;
    virtual result<school> find_school(std::string_view slug) = 0;

    // Hashes the password with Argon2id (crypto_pwhash_str, interactive limits).
    virtual result<user> create_user(school_id school, std::string_view username,
                                     std::string_view display_name, role r,
                                     std::string_view password) = 0;
    // A user with no password login: verify_password always refuses it, so it only ever gets
    // sessions from create_session (load-test fixtures: `circles admin bench-fixture`). No
    // Argon2id runs, so ten thousand of them take seconds rather than a quarter of an hour.
    // The default stores the hash of a random password that nobody keeps: correct, but slow;
    // a store overrides it to store no hash at all.
    virtual result<user> create_user_without_password(school_id school, std::string_view username,
                                                      std::string_view display_name, role r);
    virtual result<user> get_user(user_id id) = 0;
    virtual result<user> find_user(std::string_view username) = 0;
    // Slow on purpose (Argon2id): call it off the I/O threads. Unknown user and wrong
    // password both give errc::bad_credentials.
    virtual result<user> verify_password(std::string_view username, std::string_view password) = 0;

    virtual result<room> create_room(school_id school, std::string_view name,
                                     std::string_view kind) = 0;
    virtual result<room> get_room(room_id id) = 0;
    virtual result<void> add_member(room_id room, user_id user) = 0;
    virtual result<void> remove_member(room_id room, user_id user) = 0;
    virtual result<bool> is_member(room_id room, user_id user) = 0;
    // get_room and is_member in one read (a send checks both): errc::not_found when the room
    // does not exist. The default makes the two calls; a store overrides it with one query.
    // With last_seq_read::skip the room's last_seq is left 0: a member's send or action does
    // not need it, and a store may have to read the room's messages for it (SQLite does).
    enum class last_seq_read : bool { skip, read };
    virtual result<room_membership> membership(room_id room, user_id user, last_seq_read seq);
    virtual result<std::vector<room>> rooms_of(user_id user) = 0;
    virtual result<std::vector<user>> members_of(room_id room) = 0;

    // --- facilitated sessions, schedule, group agreement ------------------------------------
    // The room's open session (id 0 when none). errc::not_found for an unknown room.
    virtual result<room_session> session_of(room_id room) = 0;
    // Opens a session unless one is open already (then returns that one, unchanged), with a
    // "session.opened" audit entry in the same commit. The caller checks the role.
    virtual result<room_session> open_session(room_id room, user_id facilitator) = 0;
    // Closes the open session with "session.closed"; a room with none is left as it is.
    // Returns the session closed (id 0 when there was none).
    virtual result<room_session> close_session(room_id room, user_id facilitator) = 0;
    // The room's weekly schedule (no slots until set); errc::not_found for an unknown room.
    virtual result<room_schedule> schedule_of(room_id room) = 0;
    // Replaces it (configuration: not audited); errc::invalid_argument unless valid_schedule.
    virtual result<void> set_schedule(room_id room, const room_schedule& schedule) = 0;
    // The version of the group agreement `user` accepted last in `room`, "" for none.
    virtual result<std::string> accepted_agreement(room_id room, user_id user) = 0;
    // Records that `user` accepted `version` (1-64 printable ASCII bytes, else
    // errc::invalid_argument) now, with an "agreement.accepted" audit entry.
    virtual result<void> accept_agreement(room_id room, user_id user, std::string_view version) = 0;

    // --- facilitator actions ---------------------------------------------------------------
    // Each change commits with its audit entry (the citation's rule and reason, never message
    // text); the caller checks that `by` is a facilitator of the room and the target a
    // student. errc::invalid_argument for a citation that is not valid_citation.

    // What every send checks, in one read: the room (its last_seq left 0, as with
    // last_seq_read::skip), whether `user` belongs to it, the open session, the room's
    // controls and `user`'s mute if it lasts past `now_ms`. errc::not_found for an unknown room.
    virtual result<send_check> check_send(room_id room, user_id user, std::int64_t now_ms) = 0;
    // check_send's posting state alone (a joiner's controls).
    result<posting_state> posting_state_of(room_id room, user_id user, std::int64_t now_ms);
    // The room's mutes that last past `now_ms`.
    virtual result<std::vector<member_mute>> mutes_of(room_id room, std::int64_t now_ms) = 0;
    // Held messages of the room, oldest first, at most `limit` (capped at max_held_listed).
    virtual result<std::vector<stored_message>> held_messages(room_id room, std::size_t limit) = 0;
    // Moves message `seq` to `to`: held -> visible (approved, "message.approved"), held or
    // visible -> removed ("message.removed"). Returns the message as it is now. A message in
    // `to` already is returned unchanged, with no entry. errc::not_found for no such message;
    // errc::invalid_argument for any other move (a removed message is never shown again).
    virtual result<stored_message> moderate_message(room_id room, seq_t seq, message_status to,
                                                    user_id by, const citation& why) = 0;
    // Replaces the room's controls ("room.controls"). errc::invalid_argument for a slow mode
    // outside 0..max_slow_mode.
    virtual result<room_controls> set_room_controls(room_id room, const room_controls& controls,
                                                    user_id by, const citation& why) = 0;
    // Mutes `member` until `until_ms` ("member.muted"), or lifts the mute when until_ms is 0
    // ("member.unmuted"). errc::not_found unless `member` belongs to the room.
    virtual result<void> mute_member(room_id room, user_id member, std::int64_t until_ms,
                                     user_id by, const citation& why) = 0;
    // A facilitator removes `member` from the room ("member.removed"); their mute goes with
    // the membership. errc::not_found unless they belong to it.
    virtual result<void> expel_member(room_id room, user_id member, user_id by,
                                      const citation& why) = 0;

    // --- case handling (circles/storage/types.hpp: case_update) --------------------------------
    // Moves a case on and/or adds a note, in one transaction with its audit entries: to
    // "in_progress" ("escalation.in_progress"; taken_by) or "resolved" with an outcome
    // ("escalation.resolved", detail from=STATE outcome=NAME; resolved_by); from open either
    // also acknowledges it ("escalation.acknowledged"), which stops the re-paging. A note is
    // sealed with the key of the escalation's room ("case.note", detail note=ID). Moving to the
    // state it is in changes nothing. errc::not_found for no such escalation,
    // errc::not_permitted unless `counselor` is a counselor of its school,
    // errc::invalid_argument for a state change of a resolved case or an invalid update
    // (valid_case_update). Returns the escalation as it is now, and whether this call moved it.
    virtual result<updated_case> update_case(const case_update& update) = 0;
    // The notes of a case, oldest first, decrypted.
    virtual result<std::vector<case_note>> case_notes(std::int64_t escalation_id) = 0;
    // A student's real name, sealed at rest with a key derived from master.key; "" removes it.
    // Audited ("identity.recorded", "identity.removed"; never the name). errc::not_found for
    // an unknown user, errc::invalid_argument for a name over limits::max_real_name_bytes.
    virtual result<void> set_real_name(user_id user, std::string_view name) = 0;
    // The real name of the student escalation `id` is about, for a counselor working it: a
    // counselor of its school, the case acknowledged, in progress or resolved
    // (errc::not_permitted otherwise, also while it is open). Commits "identity.revealed"
    // (target user:N, detail escalation=ID) before it returns the name; "" when none is
    // recorded (the request is recorded all the same).
    virtual result<std::string> reveal_identity(std::int64_t id, user_id counselor) = 0;

    // --- check-in rounds and participation -------------------------------------------------------
    // Ends the room's open round, if any, and opens a new one started by `by`.
    // errc::not_found for no such room.
    virtual result<checkin_round> start_checkin(room_id room, user_id by) = 0;
    // Records (or replaces) `answer` in the room's open round `round`, its word sealed with the
    // room's key; returns the round with its counts (no answers). errc::not_found unless
    // `round` is the room's open round; errc::invalid_argument for an invalid answer.
    virtual result<checkin_round> answer_checkin(room_id room, std::int64_t round,
                                                 const checkin_answer& answer) = 0;
    // The room's open round with its counts and, when `with_answers`, its answers decrypted;
    // id 0 when none is open.
    virtual result<checkin_round> checkin_of(room_id room, bool with_answers) = 0;
    // Whether `user` has answered round `round`.
    virtual result<bool> answered_checkin(std::int64_t round, user_id user) = 0;
    // Each member who wrote in the room since `since_ms`: how many messages, and the last one's
    // time.
    virtual result<std::vector<participation_row>> participation(room_id room,
                                                                 std::int64_t since_ms) = 0;

    // --- peer reports (circles/storage/types.hpp: report) -------------------------------------
    // Files a student's report of message `seq` ("report.filed"; the note sealed with the
    // room's key). The message must be visible and written by someone else:
    // errc::not_found for no such visible message, errc::invalid_argument for their own or an
    // invalid request (valid_report), errc::limit_reached past
    // limits::max_open_reports_per_reporter open reports in the room. A second report of the
    // same message by the same student returns the first (duplicate).
    virtual result<filed_report> file_report(const report_request& request) = 0;
    // `reporter` 0: the room's open reports, oldest first. Otherwise that student's reports
    // in the room, newest first. At most limits::max_reports_listed.
    virtual result<std::vector<report>> reports_of(room_id room, user_id reporter) = 0;
    // Settles an open report as dismissed or actioned ("report.dismissed", "report.actioned").
    // A settled report is returned as it is (changed false). errc::not_found unless report
    // `id` is in `room`; errc::invalid_argument for `to` open.
    virtual result<settled_report> handle_report(room_id room, std::int64_t id, report_state to,
                                                 user_id by) = 0;
    // Settles every open report on message `seq` as actioned (its removal) and returns them.
    virtual result<std::vector<report>> settle_reports_on(room_id room, seq_t seq, user_id by) = 0;

    // --- sessions --------------------------------------------------------------------------
    // Returns a fresh random token (URL-safe base64 of 32 random bytes). Only its hash is
    // stored, so a copy of the database does not hold usable tokens.
    virtual result<std::string> create_session(user_id user, std::chrono::seconds ttl) = 0;
    // The session's user and when it ends. errc::not_found for an unknown token,
    // errc::expired past its expiry.
    virtual result<session> find_session(std::string_view token) = 0;
    result<user> user_for_session(std::string_view token) {
        auto s = find_session(token);
        if (!s) return s.error();
        return std::move(s->who);
    }
    virtual result<void> revoke_session(std::string_view token) = 0;
    // Deletes every session that ended at or before `now_ms` and returns how many: an expired
    // session is refused anyway, and a table of every login ever grows without end.
    virtual result<std::size_t> purge_expired_sessions(std::int64_t now_ms) = 0;

    // --- audit trail (circles/storage/audit.hpp) ---------------------------------------------
    // Appends one entry to the hash chain and returns its id once it is committed. Entries
    // from every caller, every thread and (PostgreSQL) every node form one chain. The store
    // also appends "escalation.opened" itself, in the same commit as each escalation.
    // errc::invalid_argument for an empty or oversized action, target or detail, or invalid
    // UTF-8. Never put message text, a password or a token in a record: name ids instead.
    virtual result<std::int64_t> append_audit(const audit_record& record) = 0;
};

inline result<user> store::create_user_without_password(school_id school, std::string_view username,
                                                        std::string_view display_name, role r) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::random_device random;
    std::string password(32, ' ');
    for (auto& c : password) c = alphabet[random() % 64];
    return create_user(school, username, display_name, r, password);
}

inline result<room_membership> store::membership(room_id room, user_id user, last_seq_read) {
    auto r = get_room(room);
    if (!r) return r.error();
    auto member = is_member(room, user);
    if (!member) return member.error();
    return room_membership{std::move(*r), *member};
}

inline result<posting_state> store::posting_state_of(room_id room, user_id user,
                                                     std::int64_t now_ms) {
    auto checked = check_send(room, user, now_ms);
    if (!checked) return checked.error();
    return checked->posting;
}

// The form of a session token the store keeps (BLAKE2b-256, 32 bytes): what a node may hold
// on to or tell other nodes in its place.
inline constexpr std::size_t session_token_hash_bytes = 32;
std::string session_token_hash(std::string_view token);

// Opens (creating on first run) circles.db and master.key in options.data_dir, applies the
// numbered migrations, and starts the writer thread. Throws std::runtime_error with one clear
// line on a start-up failure (unwritable folder, corrupt key file, schema too new).
std::unique_ptr<store> open_sqlite_store(const store_options& options);

// Connects to PostgreSQL (a libpq connection string: "postgresql://user@host:5432/circles" or
// "host=... dbname=..."), applies the numbered migrations under an advisory lock (so nodes
// starting together migrate once), and starts the writer thread. Several nodes may share one
// database: each batch locks the rows of the rooms it appends to, so seqs stay gap-free. The
// master key is options.data_dir/master.key, as for SQLite: every node needs the same file.
// Throws std::runtime_error with one clear line that never holds the password.
std::unique_ptr<store> open_postgres_store(const std::string& conninfo,
                                           const store_options& options);

// Opens the store a URL names:
//   ""                                  SQLite, circles.db in options.data_dir
//   "sqlite:PATH" or "sqlite://PATH"    SQLite, database file PATH (master.key in data_dir)
//   "postgresql://..." "postgres://..." PostgreSQL (open_postgres_store)
// Throws std::runtime_error for any other scheme, and for what the store itself refuses.
std::unique_ptr<store> open_store(std::string_view url, const store_options& options);

}  // namespace circles::storage
