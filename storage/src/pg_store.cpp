// pg_store: opening, the directory (schools, users, rooms, members) and sessions.
// The message path (append batches, history) is in pg_messages.cpp.
#include "pg_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <stdexcept>

#include "circles/storage/limits.hpp"
#include "migrations.hpp"
#include "store_common.hpp"

namespace circles::storage {
namespace detail {
namespace {

std::unique_ptr<secret_key> master_key_of(const store_options& options) {
    if (options.data_dir.empty()) throw std::runtime_error("store data_dir is not set");
    return load_or_create_master_key(options.data_dir / "master.key");
}

std::vector<std::unique_ptr<pg_connection>> open_readers(const std::string& conninfo,
                                                         std::size_t count) {
    std::vector<std::unique_ptr<pg_connection>> out;
    for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
        out.push_back(std::make_unique<pg_connection>(conninfo));
    }
    return out;
}

}  // namespace

room read_room(const pg_result& r, int row) {
    room out;
    out.id = r.int64(row, 0);
    out.school = r.int64(row, 1);
    out.name = r.text(row, 2);
    out.kind = r.text(row, 3);
    out.epoch = static_cast<std::uint64_t>(r.int64(row, 4));
    out.last_seq = static_cast<seq_t>(r.int64(row, 5));
    return out;
}

user read_user(const pg_result& r, int row) {
    user u;
    u.id = r.int64(row, 0);
    u.school = r.int64(row, 1);
    u.username = r.text(row, 2);
    u.display_name = r.text(row, 3);
    u.user_role = static_cast<role>(r.int64(row, 4));
    return u;
}

result<sealed> load_room_key(pg_connection& db, std::int64_t room, std::int64_t key_id) {
    pg_params p;
    p.add(key_id).add(room);
    auto r = db.query_idempotent(
        "SELECT nonce, ciphertext FROM room_keys WHERE key_id = $1 AND room_id = $2", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return sealed{r.bytes(0, 0), r.bytes(0, 1)};
}

pg_store::pg_store(const std::string& conninfo, const store_options& options)
    : options_(options),
      master_(master_key_of(options)),
      keys_(*master_),
      audit_key_(*master_),
      audit_file_(options.data_dir / audit_head_file_name),
      writer_db_(conninfo),
      schema_version_(apply_migrations(writer_db_)),
      directory_db_(conninfo),
      reads_(open_readers(conninfo, options.read_connections)),
      queue_(options.max_pending_appends, options.max_batch,
             {options.group_commit_interval, options.group_commit_full},
             {options.slow_commit_warning, options.slow_commit_warning_every}) {
    if (options_.max_batch == 0) options_.max_batch = 1;
    if (const auto head = read_audit_head(writer_db_)) audit_file_.check_at_open(*head);
    queue_.start([this](append_batch& batch) { commit_batch(batch); });
    spdlog::info(
        "storage: opened PostgreSQL {} (schema version {}, max_batch {}, {} read "
        "connections)",
        writer_db_.describe(), schema_version_, options_.max_batch,
        std::max<std::size_t>(options_.read_connections, 1));
}

pg_store::~pg_store() { queue_.stop(); }

// --- schools -------------------------------------------------------------------------------

result<school> pg_store::create_school(std::string_view slug, std::string_view name) {
    if (!valid_text(slug, limits::max_name_bytes) || !valid_text(name, limits::max_name_bytes)) {
        return errc::invalid_argument;
    }
    pg_params p;
    p.add(slug).add(name).add(now_ms());
    std::lock_guard lock(directory_mutex_);
    auto r = directory_db_.query(
        "INSERT INTO schools(slug, name, created_at_ms) VALUES ($1, $2, $3) RETURNING id", p);
    if (r.unique_violation()) return errc::already_exists;
    if (!r.ok() || r.rows() != 1) return errc::io_error;
    return school{r.int64(0, 0), std::string(slug), std::string(name)};
}

result<school> pg_store::find_school(std::string_view slug) {
    if (!valid_utf8(slug)) return errc::not_found;  // no stored slug is anything else
    pg_params p;
    p.add(slug);
    auto db = reads_.acquire();
    auto r = db->query_idempotent("SELECT id, slug, name FROM schools WHERE slug = $1", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return school{r.int64(0, 0), r.text(0, 1), r.text(0, 2)};
}

// --- users ---------------------------------------------------------------------------------

result<user> pg_store::create_user(school_id school, std::string_view username,
                                   std::string_view display_name, role r,
                                   std::string_view password) {
    if (!valid_new_user(username, display_name, r, password)) return errc::invalid_argument;
    auto hash = hash_password(password);  // before the lock: Argon2id is slow on purpose
    if (!hash) return hash.error();
    return insert_user(school, username, display_name, r, *hash);
}

result<user> pg_store::create_user_without_password(school_id school, std::string_view username,
                                                    std::string_view display_name, role r) {
    if (!valid_user_fields(username, display_name, r)) return errc::invalid_argument;
    return insert_user(school, username, display_name, r, "");
}

result<user> pg_store::insert_user(school_id school, std::string_view username,
                                   std::string_view display_name, role r, std::string_view hash) {
    pg_params p;
    p.add(school).add(username).add(display_name).add(static_cast<std::int64_t>(r));
    p.add(hash).add(now_ms());
    std::lock_guard lock(directory_mutex_);
    auto res = directory_db_.query(
        "INSERT INTO users(school_id, username, display_name, role, password_hash, created_at_ms)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        p);
    if (res.unique_violation()) return errc::already_exists;
    if (res.foreign_key_violation()) return errc::not_found;
    if (!res.ok() || res.rows() != 1) return errc::io_error;
    return user{res.int64(0, 0), school, std::string(username), std::string(display_name), r};
}

result<user> pg_store::get_user(user_id id) {
    pg_params p;
    p.add(id);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT id, school_id, username, display_name, role FROM users WHERE id = $1", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return read_user(r, 0);
}

result<user> pg_store::find_user(std::string_view username) {
    if (!valid_utf8(username)) return errc::not_found;
    pg_params p;
    p.add(username);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT id, school_id, username, display_name, role FROM users WHERE username = $1", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return read_user(r, 0);
}

result<user> pg_store::verify_password(std::string_view username, std::string_view password) {
    std::optional<user> found;
    std::optional<std::string> hash;
    if (valid_utf8(username)) {
        pg_params p;
        p.add(username);
        auto db = reads_.acquire();
        auto r = db->query_idempotent(
            "SELECT id, school_id, username, display_name, role, password_hash FROM users"
            " WHERE username = $1",
            p);
        if (!r.ok()) return errc::io_error;
        if (r.rows() == 1) {
            found = read_user(r, 0);
            hash = r.text(0, 5);
        }
    }  // the Argon2id verify below runs without holding a read connection
    if (!verify_password_hash(hash, password)) return errc::bad_credentials;
    return *found;
}

// --- rooms ---------------------------------------------------------------------------------

result<room> pg_store::create_room(school_id school, std::string_view name, std::string_view kind) {
    if (!valid_text(name, limits::max_name_bytes) || !valid_text(kind, limits::max_name_bytes)) {
        return errc::invalid_argument;
    }
    auto data_key = std::make_shared<const secret_key>();  // fresh random key for this room
    const std::int64_t now = now_ms();
    std::lock_guard lock(directory_mutex_);
    // key_id comes first because the wrapped key's AD names it; a sequence, not max()+1,
    // because another node may be creating a room at the same moment.
    std::int64_t key_id = 0;
    {
        auto r = directory_db_.query_idempotent(
            "SELECT nextval(pg_get_serial_sequence('room_keys', 'key_id'))");
        if (!r.ok() || r.rows() != 1) return errc::io_error;
        key_id = r.int64(0, 0);
    }
    const sealed wrapped = wrap_key(*master_, *data_key, key_id);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    room_id id = 0;
    {
        pg_params p;
        p.add(school).add(name).add(kind).add(now);
        auto r = directory_db_.query(
            "INSERT INTO rooms(school_id, name, kind, epoch, last_seq, key_id, created_at_ms)"
            " VALUES ($1, $2, $3, 1, 0, NULL, $4) RETURNING id",
            p);
        if (r.foreign_key_violation()) return errc::not_found;
        if (!r.ok() || r.rows() != 1) return errc::io_error;
        id = r.int64(0, 0);
    }
    {
        pg_params p;
        p.add(key_id).add(id).add_bytes(wrapped.nonce).add_bytes(wrapped.ciphertext).add(now);
        auto r = directory_db_.query(
            "INSERT INTO room_keys(key_id, room_id, nonce, ciphertext, created_at_ms)"
            " VALUES ($1, $2, $3, $4, $5)",
            p);
        if (!r.ok()) return errc::io_error;
    }
    {
        pg_params p;
        p.add(key_id).add(id);
        auto r = directory_db_.query("UPDATE rooms SET key_id = $1 WHERE id = $2", p);
        if (!r.ok()) return errc::io_error;
    }
    if (!tx.commit()) return errc::io_error;
    keys_.put(id, key_id, std::move(data_key));
    return room{id, school, std::string(name), std::string(kind), 1, 0};
}

result<room> pg_store::get_room(room_id id) {
    pg_params p;
    p.add(id);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT id, school_id, name, kind, epoch, last_seq FROM rooms WHERE id = $1", p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return read_room(r, 0);
}

result<void> pg_store::add_member(room_id room, user_id user) {
    std::lock_guard lock(directory_mutex_);
    pg_transaction tx(directory_db_);
    if (!tx.ok()) return errc::io_error;
    {
        // A member must belong to the room's school: rooms never mix schools.
        pg_params p;
        p.add(room).add(user);
        auto r = directory_db_.query(
            "SELECT r.school_id = u.school_id FROM rooms r, users u WHERE r.id = $1 AND u.id = $2",
            p);
        if (!r.ok()) return errc::io_error;
        if (r.rows() == 0) return errc::not_found;
        if (r.text(0, 0) != "t") return errc::invalid_argument;
    }
    {
        // Adding an existing member is a no-op, so a retried admin call succeeds.
        pg_params p;
        p.add(room).add(user).add(now_ms());
        auto r = directory_db_.query(
            "INSERT INTO room_members(room_id, user_id, joined_at_ms) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING",
            p);
        if (r.foreign_key_violation()) return errc::not_found;
        if (!r.ok()) return errc::io_error;
    }
    if (!tx.commit()) return errc::io_error;
    return {};
}

result<void> pg_store::remove_member(room_id room, user_id user) {
    pg_params p;
    p.add(room).add(user);
    std::lock_guard lock(directory_mutex_);
    auto r = directory_db_.query("DELETE FROM room_members WHERE room_id = $1 AND user_id = $2", p);
    if (!r.ok()) return errc::io_error;
    if (r.affected() == 0) return errc::not_found;
    return {};
}

result<bool> pg_store::is_member(room_id room, user_id user) {
    pg_params p;
    p.add(room).add(user);
    auto db = reads_.acquire();
    auto r =
        db->query_idempotent("SELECT 1 FROM room_members WHERE room_id = $1 AND user_id = $2", p);
    if (!r.ok()) return errc::io_error;
    return r.rows() > 0;
}

// rooms.last_seq is kept with every batch here: reading it costs nothing, skip or not.
result<room_membership> pg_store::membership(room_id room, user_id user, last_seq_read) {
    pg_params p;
    p.add(room).add(user);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT id, school_id, name, kind, epoch, last_seq,"
        " EXISTS (SELECT 1 FROM room_members WHERE room_id = r.id AND user_id = $2)"
        " FROM rooms r WHERE id = $1",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    return room_membership{read_room(r, 0), r.text(0, 6) == "t"};
}

result<std::vector<room>> pg_store::rooms_of(user_id user) {
    pg_params p;
    p.add(user);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT r.id, r.school_id, r.name, r.kind, r.epoch, r.last_seq"
        " FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $1"
        " ORDER BY r.id",
        p);
    if (!r.ok()) return errc::io_error;
    std::vector<room> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_room(r, i));
    return out;
}

result<std::vector<user>> pg_store::members_of(room_id room) {
    pg_params p;
    p.add(room);
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT u.id, u.school_id, u.username, u.display_name, u.role"
        " FROM room_members m JOIN users u ON u.id = m.user_id WHERE m.room_id = $1"
        " ORDER BY u.id",
        p);
    if (!r.ok()) return errc::io_error;
    std::vector<user> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
    return out;
}

// --- sessions ------------------------------------------------------------------------------

result<std::string> pg_store::create_session(user_id user, std::chrono::seconds ttl) {
    if (ttl.count() <= 0 || ttl > limits::max_session_ttl) return errc::invalid_argument;
    auto token = make_session_token();
    const std::int64_t now = now_ms();
    const std::int64_t ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
    pg_params p;
    p.add_bytes(token.hash).add(user).add(now).add(now + ttl_ms);
    std::lock_guard lock(directory_mutex_);
    auto r = directory_db_.query(
        "INSERT INTO sessions(token_hash, user_id, created_at_ms, expires_at_ms)"
        " VALUES ($1, $2, $3, $4)",
        p);
    if (r.foreign_key_violation()) return errc::not_found;
    if (!r.ok()) return errc::io_error;
    return std::move(token.text);
}

result<session> pg_store::find_session(std::string_view token) {
    if (!plausible_token(token)) return errc::not_found;
    pg_params p;
    p.add_bytes(hash_token(token));
    auto db = reads_.acquire();
    auto r = db->query_idempotent(
        "SELECT u.id, u.school_id, u.username, u.display_name, u.role, s.expires_at_ms"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        p);
    if (!r.ok()) return errc::io_error;
    if (r.rows() == 0) return errc::not_found;
    const auto expires_ms = r.int64(0, 5);
    if (expires_ms <= now_ms()) return errc::expired;
    return session{read_user(r, 0),
                   std::chrono::system_clock::time_point(std::chrono::milliseconds(expires_ms))};
}

result<void> pg_store::revoke_session(std::string_view token) {
    if (!plausible_token(token)) return errc::not_found;
    pg_params p;
    p.add_bytes(hash_token(token));
    std::lock_guard lock(directory_mutex_);
    auto r = directory_db_.query("DELETE FROM sessions WHERE token_hash = $1", p);
    if (!r.ok()) return errc::io_error;
    if (r.affected() == 0) return errc::not_found;
    return {};
}

result<std::size_t> pg_store::purge_expired_sessions(std::int64_t now_ms) {
    pg_params p;
    p.add(now_ms);
    std::lock_guard lock(directory_mutex_);
    auto r = directory_db_.query("DELETE FROM sessions WHERE expires_at_ms <= $1", p);
    if (!r.ok()) return errc::io_error;
    return static_cast<std::size_t>(r.affected());
}

// --- audit trail ---------------------------------------------------------------------------

result<std::int64_t> pg_store::append_audit(const audit_record& record) {
    if (!valid_audit_record(record)) return errc::invalid_argument;
    std::optional<audit_head> head;
    {
        std::lock_guard lock(directory_mutex_);
        pg_transaction tx(directory_db_);
        if (!tx.ok()) return errc::io_error;
        head = append_audit_entries(directory_db_, audit_key_, {&record, 1}, now_ms());
        if (!head || !tx.commit()) return errc::io_error;
    }
    audit_file_.publish(*head);
    return head->id;
}

}  // namespace detail

std::unique_ptr<store> open_postgres_store(const std::string& conninfo,
                                           const store_options& options) {
    return std::make_unique<detail::pg_store>(conninfo, options);
}

}  // namespace circles::storage
