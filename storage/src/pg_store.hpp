#pragma once
// The PostgreSQL implementation of `store` (private; callers use open_postgres_store or
// open_store). Several nodes may run one against the same database at once.
//
// Connections, each used by one thread at a time:
// - writer_db_: only the writer thread (append_queue). It owns the append path.
// - directory_db_: schools, users, rooms, members, sessions, behind directory_mutex_.
// - reads_: a pool for every synchronous read.
//
// Group commit rule, the same as SQLite's: the writer takes up to max_batch queued appends,
// commits them in one transaction, and only then runs the callbacks in queue order. What
// differs is where a seq comes from. Another node may have appended to the same room since
// this node's last batch, so nothing about a room is cached between batches: each batch
// first locks the rows of every room it touches (SELECT ... FOR NO KEY UPDATE, in id order,
// so two nodes' batches cannot deadlock), numbers from rooms.last_seq as it reads under the
// lock, and writes rooms.last_seq back in the same transaction. A node waiting for the lock
// sees the other's commit when it gets it (READ COMMITTED); a rolled-back batch never wrote
// last_seq, so it burns no seq.
//
// A batch runs no SAVEPOINT per request, unlike SQLite's: in PostgreSQL a subtransaction per
// message (each with its own XID) overflows the per-backend subtransaction cache past 64 and
// slows every other session's snapshots. Instead every reason one request could fail alone
// (invalid request, unknown room or sender, an idempotency key already taken) is checked
// before anything is written, so the batch's statements either all succeed or the batch
// fails as a whole with errc::io_error, nothing acknowledged.
//
// Audit entries are appended in the transaction that writes what they record (a batch's
// escalations: last, after its rooms; append_audit: on directory_db_). Each appender locks the
// one row of audit_head (FOR UPDATE) to read the chain's end, so appenders on every node take
// turns and form one chain; lock order is rooms, then audit_head. After the commit, the node's
// own audit.head file follows (it only ever moves forward).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "append_queue.hpp"
#include "audit_chain.hpp"
#include "circles/storage/store.hpp"
#include "key_cache.hpp"
#include "pg_db.hpp"
#include "read_pool.hpp"

namespace circles::storage::detail {

class pg_store final : public store {
  public:
    pg_store(const std::string& conninfo, const store_options& options);  // throws
    ~pg_store() override;  // commits everything queued, then stops the writer

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
    // Every row `sql` (escalation_select and a WHERE) yields, text decrypted
    // (pg_escalations.cpp).
    result<std::vector<escalation>> read_escalations(pg_connection& db, const char* sql,
                                                     const pg_params& p);
    // Appends `record` in directory_db_'s open transaction, then commits; publishes the head.
    bool commit_with_audit(pg_transaction& tx, const audit_record& record);
    bool commit_with_audit(pg_transaction& tx, std::span<const audit_record> records);

    // A room as the batch found it under its row lock.
    struct room_state {
        seq_t last_seq = 0;
        std::uint64_t epoch = 1;
        std::int64_t key_id = 0;
        school_id school = 0;
        std::int64_t ack_deadline_ms = 0;  // the school's, for a new escalation's deadline
        shared_key key;
        errc error = errc::ok;  // why this room cannot take appends (no key, wrong key)
        bool touched = false;   // last_seq moved in this batch
    };
    struct batch_plan;

    // An empty password_hash never verifies (verify_password refuses it before Argon2id).
    result<user> insert_user(school_id school, std::string_view username,
                             std::string_view display_name, role r, std::string_view hash);

    void commit_batch(append_batch& batch);
    bool write_batch(append_batch& batch, batch_results& results, std::int64_t now);
    bool lock_rooms(const append_batch& batch, std::map<room_id, room_state>& rooms);
    bool insert_messages(const append_batch& batch, const batch_plan& plan);
    bool insert_escalations(const append_batch& batch, const batch_plan& plan);
    bool update_rooms(const std::map<room_id, room_state>& rooms);
    bool audit_escalations(const append_batch& batch, const batch_plan& plan);

    // Runs `sql` over messages joined with users and decrypts each row.
    result<std::vector<stored_message>> read_messages(pg_connection& db, const char* sql,
                                                      room_id room, std::int64_t bound,
                                                      std::size_t limit);

    store_options options_;
    std::unique_ptr<secret_key> master_;
    key_cache keys_;
    audit_key audit_key_;
    audit_head_publisher audit_file_;
    pg_connection writer_db_;
    std::int64_t schema_version_;  // applied by the constructor, before any other connection
    std::mutex directory_mutex_;
    pg_connection directory_db_;
    read_pool<pg_connection> reads_;

    // Writer-thread state.
    std::optional<audit_head> batch_audit_head_;  // the chain's end after this batch, if it audits

    append_queue queue_;  // last: its writer thread stops before the connections close
};

// The wrapped key (key_id, room) as room_keys holds it, for key_cache::get.
result<sealed> load_room_key(pg_connection& db, std::int64_t room, std::int64_t key_id);

// The text a user row is read from: id, school_id, username, display_name, role.
user read_user(const pg_result& r, int row);
// A room from columns 0-5 of `row`: id, school_id, name, kind, epoch, last_seq.
room read_room(const pg_result& r, int row);

}  // namespace circles::storage::detail
