#pragma once
// The SQLite implementation of `store` (private; callers use open_sqlite_store).
//
// Connections, each used by one thread at a time:
// - writer_db_: only the writer thread. It owns the append path and the per-room cache of
//   (last_seq, epoch, key), so seq assignment needs no lock and no read before each insert.
//   It enforces no foreign keys: the writer checks a batch's references itself (the room as
//   it reads it, the sender through known_senders_).
// - directory_db_: schools, users, rooms, members, sessions, behind directory_mutex_. Its
//   transactions are BEGIN IMMEDIATE, so it and the writer serialise on SQLite's write lock
//   (busy_timeout) and never interleave.
//
// A room's last seq is the seq of its newest message, read from the messages' primary key
// (room_id, seq) wherever a room is read; rooms.last_seq is only a floor under it (databases
// written before the writer stopped updating it, per batch, hold the value there). Nothing
// deletes messages, so the newest one is always there to say it.
// - reads_: a pool of read-only connections for every synchronous read.
//
// - checkpointer_: its own connection and thread; WAL checkpoints run there, never inside a
//   COMMIT of the writer or the directory (sqlite_checkpointer.hpp).
//
// Group commit rule: the writer (append_queue) takes up to max_batch queued appends, runs
// them in one BEGIN IMMEDIATE transaction, commits, and only then runs the callbacks in queue
// order. One bad request fails alone: a request that writes one row relies on SQLite's
// statement atomicity; one that carries an escalation (its message, the escalation row and the
// escalation's audit entry) runs in a SAVEPOINT. If COMMIT fails, every request of the batch
// fails with errc::io_error and the seq cache is restored, so no seq is skipped. The in-memory
// seq cache is why one SQLite file has one store process.
//
// Audit entries are appended in whichever transaction writes what they record (the writer's
// batch for escalations, directory_db_ for append_audit); BEGIN IMMEDIATE already puts those
// in one order, so the chain needs no lock of its own. audit.head follows each commit.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <unordered_set>

#include "append_queue.hpp"
#include "audit_chain.hpp"
#include "circles/storage/store.hpp"
#include "key_cache.hpp"
#include "read_pool.hpp"
#include "send_check_cache.hpp"
#include "sqlite_checkpointer.hpp"
#include "sqlite_db.hpp"

namespace circles::storage::detail {

class sqlite_store final : public store {
  public:
    // The database file is `db_file`, or data_dir/circles.db when empty; master.key lives in
    // data_dir. Throws std::runtime_error.
    sqlite_store(const store_options& options, const std::filesystem::path& db_file);
    ~sqlite_store() override;  // commits everything queued, then stops the writer

    void append(append_request req, append_handler done) override;
    result<history_page> history(room_id room, seq_t before_seq, std::size_t limit) override;
    result<std::vector<escalation>> escalations(school_id school, std::string_view state,
                                                std::size_t limit) override;
    result<std::vector<stored_message>> since(room_id room, seq_t after_seq,
                                              std::size_t limit) override;
    void flush() override;

    result<school> create_school(std::string_view slug, std::string_view name) override;
    result<school> find_school(std::string_view slug) override;
    result<user> create_user(school_id school, std::string_view username,
                             std::string_view display_name, role r,
                             std::string_view password) override;
    result<user> create_user_without_password(school_id school, std::string_view username,
                                              std::string_view display_name, role r) override;
    result<user> get_user(user_id id) override;
    result<user> find_user(std::string_view username) override;
    result<user> verify_password(std::string_view username, std::string_view password) override;
    result<room> create_room(school_id school, std::string_view name,
                             std::string_view kind) override;
    result<room> get_room(room_id id) override;
    result<void> add_member(room_id room, user_id user) override;
    result<void> remove_member(room_id room, user_id user) override;
    result<bool> is_member(room_id room, user_id user) override;
    result<room_membership> membership(room_id room, user_id user, last_seq_read seq) override;
    result<std::vector<room>> rooms_of(user_id user) override;
    result<std::vector<user>> members_of(room_id room) override;

    result<std::string> create_session(user_id user, std::chrono::seconds ttl) override;
    result<session> find_session(std::string_view token) override;
    result<void> revoke_session(std::string_view token) override;
    result<std::size_t> purge_expired_sessions(std::int64_t now_ms) override;

    result<std::int64_t> append_audit(const audit_record& record) override;

    result<room_session> session_of(room_id room) override;
    result<room_session> open_session(room_id room, user_id facilitator) override;
    result<room_session> close_session(room_id room, user_id facilitator) override;
    result<room_schedule> schedule_of(room_id room) override;
    result<void> set_schedule(room_id room, const room_schedule& schedule) override;
    result<std::string> accepted_agreement(room_id room, user_id user) override;
    result<void> accept_agreement(room_id room, user_id user, std::string_view version) override;

    result<send_check> check_send(room_id room, user_id user, std::int64_t now_ms) override;
    result<std::vector<member_mute>> mutes_of(room_id room, std::int64_t now_ms) override;
    result<std::vector<stored_message>> held_messages(room_id room, std::size_t limit) override;
    result<stored_message> moderate_message(room_id room, seq_t seq, message_status to, user_id by,
                                            const citation& why) override;
    result<room_controls> set_room_controls(room_id room, const room_controls& controls, user_id by,
                                            const citation& why) override;
    result<void> mute_member(room_id room, user_id member, std::int64_t until_ms, user_id by,
                             const citation& why) override;
    result<void> expel_member(room_id room, user_id member, user_id by,
                              const citation& why) override;

    result<escalation> get_escalation(std::int64_t id) override;
    result<std::vector<escalation>> overdue_escalations(std::int64_t now_ms,
                                                        std::size_t limit) override;
    result<bool> record_page(std::int64_t id, std::int64_t expected_deadline_ms, int level,
                             std::int64_t next_deadline_ms) override;
    result<escalation> acknowledge_escalation(std::int64_t id, user_id counselor) override;
    result<escalation_settings> escalation_settings_of(school_id school) override;
    result<void> set_escalation_settings(const escalation_settings& settings) override;
    result<updated_case> update_case(const case_update& update) override;
    result<std::vector<case_note>> case_notes(std::int64_t escalation_id) override;
    result<void> set_real_name(user_id user, std::string_view name) override;
    result<std::string> reveal_identity(std::int64_t id, user_id counselor) override;
    result<checkin_round> start_checkin(room_id room, user_id by) override;
    result<checkin_round> answer_checkin(room_id room, std::int64_t round,
                                         const checkin_answer& answer) override;
    result<checkin_round> checkin_of(room_id room, bool with_answers) override;
    result<bool> answered_checkin(std::int64_t round, user_id user) override;
    result<std::vector<participation_row>> participation(room_id room,
                                                         std::int64_t since_ms) override;
    result<filed_report> file_report(const report_request& request) override;
    result<std::vector<report>> reports_of(room_id room, user_id reporter) override;
    result<settled_report> handle_report(room_id room, std::int64_t id, report_state to,
                                         user_id by) override;
    result<std::vector<report>> settle_reports_on(room_id room, seq_t seq, user_id by) override;

  private:
    // Every row `q` (escalation_select and a WHERE) yields, text decrypted
    // (sqlite_escalations.cpp).
    result<std::vector<escalation>> read_escalations(database& db, query& q);
    // The settings as `db` reads them now.
    result<escalation_settings> read_settings(database& db, school_id school);
    // Appends `record` in directory_db_'s open transaction, then commits; publishes the head.
    bool commit_with_audit(transaction& tx, const audit_record& record);
    bool commit_with_audit(transaction& tx, std::span<const audit_record> records);

    // An empty password_hash never verifies (verify_password refuses it before Argon2id).
    result<user> insert_user(school_id school, std::string_view username,
                             std::string_view display_name, role r, std::string_view hash);
    // What the writer knows about a room it has appended to.
    struct room_state {
        seq_t last_seq = 0;
        std::uint64_t epoch = 1;
        std::int64_t key_id = 0;
        school_id school = 0;
        shared_key key;
    };
    result<std::int64_t> insert_escalation(const append_request& req, const room_state& rs,
                                           seq_t seq, std::int64_t now);

    void commit_batch(append_batch& batch);
    result<append_result> append_one(const append_request& req, std::int64_t now,
                                     std::set<room_id>& touched);
    result<std::optional<append_result>> earlier_append(const append_request& req);
    result<room_state*> writer_room(room_id room);
    // errc::not_found unless `sender` is a user. The writer's connection enforces no foreign
    // keys (sqlite_store.cpp): this is the sender's check.
    result<void> check_sender(user_id sender);

    // Runs `sql` over messages joined with users and decrypts each row.
    result<std::vector<stored_message>> read_messages(database& db, const char* sql, room_id room,
                                                      std::int64_t bound, std::size_t limit);

    store_options options_;
    std::filesystem::path db_path_;
    std::unique_ptr<secret_key> master_;
    key_cache keys_;
    audit_key audit_key_;
    audit_head_publisher audit_file_;
    database writer_db_;
    std::int64_t schema_version_;  // applied by the constructor, before any other connection
    std::mutex directory_mutex_;
    database directory_db_;
    read_pool<database> reads_;
    send_check_cache send_checks_;      // invalidated by each directory_db_ commit
    sqlite_checkpointer checkpointer_;  // stops after the writer, before the connections close

    // Writer-thread state.
    std::map<room_id, room_state> rooms_;
    // Senders found in users. No user is ever deleted, so a sender found stays valid; bounded
    // by max_known_senders (cleared when full: each is then looked up once again).
    std::unordered_set<user_id> known_senders_;
    static constexpr std::size_t max_known_senders = 100'000;
    std::optional<audit_head> batch_audit_head_;  // the chain's end after this batch, if it audits

    append_queue queue_;  // last: its writer thread stops before the connections close
};

// The school of `room` as `db` sees it; errc::not_found for an unknown room.
result<school_id> school_of_room(database& db, room_id room);

// The wrapped key (key_id, room) as room_keys holds it, for key_cache::get.
result<sealed> load_room_key(database& db, std::int64_t room, std::int64_t key_id);
// A room from columns 0-5: id, school_id, name, kind, epoch, last seq.
room read_room(const query& q);

}  // namespace circles::storage::detail
