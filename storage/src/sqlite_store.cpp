// sqlite_store: opening, the directory (schools, users, rooms, members) and sessions.
// The message path (append, writer thread, history) is in sqlite_messages.cpp.
#include "sqlite_store.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "circles/storage/limits.hpp"
#include "migrations.hpp"
#include "sodium_init.hpp"
#include "store_common.hpp"

namespace circles::storage {
namespace detail {
namespace {

// Creates the data folder (0700) and the database file (0600) before SQLite does: SQLite
// creates files 0644 and gives -wal/-shm the database file's mode, and the database holds
// names.
std::filesystem::path prepare_files(const store_options& options, std::filesystem::path file) {
    if (options.data_dir.empty()) throw std::runtime_error("store data_dir is not set");
    detail::ensure_sodium();
    std::error_code ec;
    if (!std::filesystem::exists(options.data_dir, ec)) {
        std::filesystem::create_directories(options.data_dir, ec);
        if (ec) {
            throw std::runtime_error("cannot create data folder " + options.data_dir.string() +
                                     ": " + ec.message());
        }
        std::filesystem::permissions(options.data_dir, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::replace, ec);
    }
    if (file.empty()) file = options.data_dir / "circles.db";
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot open database " + file.string() + ": " +
                                 std::system_category().message(errno));
    }
    ::close(fd);
    return file;
}

std::vector<std::unique_ptr<database>> open_readers(const std::filesystem::path& file,
                                                    std::size_t count) {
    std::vector<std::unique_ptr<database>> out;
    for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) {
        out.push_back(std::make_unique<database>(file, database::mode::read_only));
    }
    return out;
}

user read_user(const query& q, int first) {
    user u;
    u.id = q.int64(first);
    u.school = q.int64(first + 1);
    u.username = q.text(first + 2);
    u.display_name = q.text(first + 3);
    u.user_role = static_cast<role>(q.int64(first + 4));
    return u;
}

}  // namespace

room read_room(const query& q) {
    room r;
    r.id = q.int64(0);
    r.school = q.int64(1);
    r.name = q.text(2);
    r.kind = q.text(3);
    r.epoch = static_cast<std::uint64_t>(q.int64(4));
    r.last_seq = static_cast<seq_t>(q.int64(5));
    return r;
}

result<sealed> load_room_key(database& db, std::int64_t room, std::int64_t key_id) {
    auto q = db.prepare("SELECT nonce, ciphertext FROM room_keys WHERE key_id = ? AND room_id = ?");
    q.bind(1, key_id).bind(2, room);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return sealed{q.blob(0), q.blob(1)};
}

sqlite_store::sqlite_store(const store_options& options, const std::filesystem::path& db_file)
    : options_(options),
      db_path_(prepare_files(options, db_file)),
      master_(load_or_create_master_key(options.data_dir / "master.key")),
      keys_(*master_),
      audit_key_(*master_),
      audit_file_(options.data_dir / audit_head_file_name),
      writer_db_(db_path_, database::mode::read_write),
      schema_version_(apply_migrations(writer_db_)),
      directory_db_(db_path_, database::mode::read_write),
      reads_(open_readers(db_path_, options.read_connections)),
      checkpointer_(db_path_, {options.wal_checkpoint_pages, options.wal_rewind_pages,
                               options.wal_restart_pages}),
      queue_(options.max_pending_appends, options.max_batch,
             {options.group_commit_interval, options.group_commit_full},
             {options.slow_commit_warning, options.slow_commit_warning_every}) {
    if (options_.max_batch == 0) options_.max_batch = 1;
    if (const auto head = read_audit_head(writer_db_)) audit_file_.check_at_open(*head);
    // A batch touches a leaf of each of the messages table's two indexes per room (and the
    // table's last leaf), plus their parents: with SQLite's default 2 MiB page cache a batch over a
    // few hundred rooms spills dirty pages to the WAL mid-transaction and writes them again at
    // COMMIT. Statement journals stay in memory rather than in a temporary file.
    //
    // Nor does the writer have SQLite check the foreign keys of what a batch writes (three
    // B-tree seeks per message, about 5,100 instructions of the 31,500 of an append): every
    // reference in it is checked by the writer itself. A message's room and the room's key and
    // school come from writer_room(), which reads them; its sender is looked up by
    // check_sender(); an escalation refers to the same. Rooms, keys and users are never
    // deleted. The writer's connection writes nothing else (migrations run before this).
    for (const char* pragma :
         {"PRAGMA cache_size=-16384", "PRAGMA temp_store=MEMORY", "PRAGMA foreign_keys=OFF"}) {
        if (writer_db_.exec(pragma) != SQLITE_OK) {
            throw std::runtime_error(std::string("cannot configure the writer: ") + pragma);
        }
    }
    checkpointer_.watch(writer_db_);
    // Every directory commit may change what a send's check read (send_check_cache.hpp).
    checkpointer_.watch(directory_db_, [this] { send_checks_.invalidate(); });
    queue_.start([this](append_batch& batch) { commit_batch(batch); });
    spdlog::info("storage: opened {} (schema version {}, max_batch {}, {} read connections)",
                 db_path_.string(), schema_version_, options_.max_batch,
                 std::max<std::size_t>(options_.read_connections, 1));
}

sqlite_store::~sqlite_store() { queue_.stop(); }

// --- schools -------------------------------------------------------------------------------

result<school> sqlite_store::create_school(std::string_view slug, std::string_view name) {
    if (!valid_text(slug, limits::max_name_bytes) || !valid_text(name, limits::max_name_bytes)) {
        return errc::invalid_argument;
    }
    std::lock_guard lock(directory_mutex_);
    auto q =
        directory_db_.prepare("INSERT INTO schools(slug, name, created_at_ms) VALUES (?, ?, ?)");
    q.bind(1, slug).bind(2, name).bind(3, now_ms());
    int rc = q.run();
    if (is_unique_violation(rc)) return errc::already_exists;
    if (rc != SQLITE_DONE) return errc::io_error;
    return school{directory_db_.last_insert_rowid(), std::string(slug), std::string(name)};
}

result<school> sqlite_store::find_school(std::string_view slug) {
    auto db = reads_.acquire();
    auto q = db->prepare("SELECT id, slug, name FROM schools WHERE slug = ?");
    q.bind(1, slug);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return school{q.int64(0), q.text(1), q.text(2)};
}

// --- users ---------------------------------------------------------------------------------

result<user> sqlite_store::create_user(school_id school, std::string_view username,
                                       std::string_view display_name, role r,
                                       std::string_view password) {
    if (!valid_new_user(username, display_name, r, password)) return errc::invalid_argument;
    // Hash before taking the lock: Argon2id takes a noticeable fraction of a second.
    auto hash = hash_password(password);
    if (!hash) return hash.error();
    return insert_user(school, username, display_name, r, *hash);
}

result<user> sqlite_store::create_user_without_password(school_id school, std::string_view username,
                                                        std::string_view display_name, role r) {
    if (!valid_user_fields(username, display_name, r)) return errc::invalid_argument;
    return insert_user(school, username, display_name, r, "");  // "", not NULL: NOT NULL column
}

result<user> sqlite_store::insert_user(school_id school, std::string_view username,
                                       std::string_view display_name, role r,
                                       std::string_view hash) {
    std::lock_guard lock(directory_mutex_);
    auto q = directory_db_.prepare(
        "INSERT INTO users(school_id, username, display_name, role, password_hash, created_at_ms)"
        " VALUES (?, ?, ?, ?, ?, ?)");
    q.bind(1, school).bind(2, username).bind(3, display_name);
    q.bind(4, static_cast<std::int64_t>(r)).bind(5, hash).bind(6, now_ms());
    int rc = q.run();
    if (is_unique_violation(rc)) return errc::already_exists;
    if (is_foreign_key_violation(rc)) return errc::not_found;
    if (rc != SQLITE_DONE) return errc::io_error;
    return user{directory_db_.last_insert_rowid(), school, std::string(username),
                std::string(display_name), r};
}

result<user> sqlite_store::get_user(user_id id) {
    auto db = reads_.acquire();
    auto q =
        db->prepare("SELECT id, school_id, username, display_name, role FROM users WHERE id = ?");
    q.bind(1, id);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return read_user(q, 0);
}

result<user> sqlite_store::find_user(std::string_view username) {
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT id, school_id, username, display_name, role FROM users WHERE username = ?");
    q.bind(1, username);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return read_user(q, 0);
}

result<user> sqlite_store::verify_password(std::string_view username, std::string_view password) {
    std::optional<user> found;
    std::optional<std::string> hash;
    {
        auto db = reads_.acquire();
        auto q = db->prepare(
            "SELECT id, school_id, username, display_name, role, password_hash FROM users"
            " WHERE username = ?");
        q.bind(1, username);
        int rc = q.step();
        if (rc == SQLITE_ROW) {
            found = read_user(q, 0);
            hash = q.text(5);
        } else if (rc != SQLITE_DONE) {
            return errc::io_error;
        }
    }  // the Argon2id verify below runs without holding a read connection
    if (!verify_password_hash(hash, password)) return errc::bad_credentials;
    return *found;
}

// --- rooms ---------------------------------------------------------------------------------

result<room> sqlite_store::create_room(school_id school, std::string_view name,
                                       std::string_view kind) {
    if (!valid_text(name, limits::max_name_bytes) || !valid_text(kind, limits::max_name_bytes)) {
        return errc::invalid_argument;
    }
    auto data_key = std::make_shared<const secret_key>();  // fresh random key for this room
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    const std::int64_t now = now_ms();
    room_id id = 0;
    {
        auto q = directory_db_.prepare(
            "INSERT INTO rooms(school_id, name, kind, epoch, last_seq, key_id, created_at_ms)"
            " VALUES (?, ?, ?, 1, 0, NULL, ?)");
        q.bind(1, school).bind(2, name).bind(3, kind).bind(4, now);
        int rc = q.run();
        if (is_foreign_key_violation(rc)) return errc::not_found;
        if (rc != SQLITE_DONE) return errc::io_error;
        id = directory_db_.last_insert_rowid();
    }
    // key_id is chosen before wrapping because the wrapped key's AD names it; the write lock
    // held since BEGIN IMMEDIATE makes max()+1 safe.
    std::int64_t key_id = 0;
    {
        auto q = directory_db_.prepare("SELECT coalesce(max(key_id), 0) + 1 FROM room_keys");
        if (q.step() != SQLITE_ROW) return errc::io_error;
        key_id = q.int64(0);
    }
    sealed wrapped = wrap_key(*master_, *data_key, key_id);
    {
        auto q = directory_db_.prepare(
            "INSERT INTO room_keys(key_id, room_id, nonce, ciphertext, created_at_ms)"
            " VALUES (?, ?, ?, ?, ?)");
        q.bind(1, key_id).bind(2, id).bind_blob(3, wrapped.nonce);
        q.bind_blob(4, wrapped.ciphertext).bind(5, now);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    {
        auto q = directory_db_.prepare("UPDATE rooms SET key_id = ? WHERE id = ?");
        q.bind(1, key_id).bind(2, id);
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    if (tx.commit() != SQLITE_OK) return errc::io_error;
    keys_.put(id, key_id, std::move(data_key));
    return room{id, school, std::string(name), std::string(kind), 1, 0};
}

result<room> sqlite_store::get_room(room_id id) {
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT id, school_id, name, kind, epoch, max(last_seq, coalesce((SELECT"
        " max(seq) FROM messages WHERE room_id = r.id), 0)) FROM rooms r WHERE id = ?");
    q.bind(1, id);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return read_room(q);
}

result<void> sqlite_store::add_member(room_id room, user_id user) {
    std::lock_guard lock(directory_mutex_);
    transaction tx(directory_db_, transaction::kind::immediate);
    if (!tx.ok()) return errc::io_error;
    {
        // A member must belong to the room's school: rooms never mix schools.
        auto q = directory_db_.prepare(
            "SELECT r.school_id = u.school_id FROM rooms r, users u WHERE r.id = ? AND u.id = ?");
        q.bind(1, room).bind(2, user);
        int rc = q.step();
        if (rc == SQLITE_DONE) return errc::not_found;
        if (rc != SQLITE_ROW) return errc::io_error;
        if (q.int64(0) == 0) return errc::invalid_argument;
    }
    {
        // Adding an existing member is a no-op, so a retried admin call succeeds.
        auto q = directory_db_.prepare(
            "INSERT OR IGNORE INTO room_members(room_id, user_id, joined_at_ms) VALUES (?, ?, ?)");
        q.bind(1, room).bind(2, user).bind(3, now_ms());
        if (q.run() != SQLITE_DONE) return errc::io_error;
    }
    if (tx.commit() != SQLITE_OK) return errc::io_error;
    return {};
}

result<void> sqlite_store::remove_member(room_id room, user_id user) {
    std::lock_guard lock(directory_mutex_);
    auto q = directory_db_.prepare("DELETE FROM room_members WHERE room_id = ? AND user_id = ?");
    q.bind(1, room).bind(2, user);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    if (directory_db_.changes() == 0) return errc::not_found;
    return {};
}

result<bool> sqlite_store::is_member(room_id room, user_id user) {
    auto db = reads_.acquire();
    auto q = db->prepare("SELECT 1 FROM room_members WHERE room_id = ? AND user_id = ?");
    q.bind(1, room).bind(2, user);
    int rc = q.step();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return errc::io_error;
}

result<room_membership> sqlite_store::membership(room_id room, user_id user, last_seq_read seq) {
    auto db = reads_.acquire();
    // The last seq is the room's newest message (sqlite_store.hpp): one more index seek, which
    // every send would pay for a number it does not use.
    static const auto query = [](const char* last_seq) {
        return std::string("SELECT id, school_id, name, kind, epoch, ") + last_seq +
               ", EXISTS (SELECT 1 FROM room_members WHERE room_id = r.id AND user_id = ?)"
               " FROM rooms r WHERE id = ?";
    };
    static const std::string reading =
        query("max(last_seq, coalesce((SELECT max(seq) FROM messages WHERE room_id = r.id), 0))");
    static const std::string skipping = query("0");
    auto q = db->prepare((seq == last_seq_read::read ? reading : skipping).c_str());
    q.bind(1, user).bind(2, room);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    return room_membership{read_room(q), q.int64(6) != 0};
}

result<std::vector<room>> sqlite_store::rooms_of(user_id user) {
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT r.id, r.school_id, r.name, r.kind, r.epoch,"
        " max(r.last_seq, coalesce((SELECT max(seq) FROM messages WHERE room_id = r.id), 0))"
        " FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ?"
        " ORDER BY r.id");
    q.bind(1, user);
    std::vector<room> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_room(q));
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

result<std::vector<user>> sqlite_store::members_of(room_id room) {
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT u.id, u.school_id, u.username, u.display_name, u.role"
        " FROM room_members m JOIN users u ON u.id = m.user_id WHERE m.room_id = ?"
        " ORDER BY u.id");
    q.bind(1, room);
    std::vector<user> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) out.push_back(read_user(q, 0));
    if (rc != SQLITE_DONE) return errc::io_error;
    return out;
}

// --- sessions ------------------------------------------------------------------------------

result<std::string> sqlite_store::create_session(user_id user, std::chrono::seconds ttl) {
    if (ttl.count() <= 0 || ttl > limits::max_session_ttl) return errc::invalid_argument;
    auto token = make_session_token();
    const std::int64_t now = now_ms();
    const std::int64_t ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();

    std::lock_guard lock(directory_mutex_);
    auto q = directory_db_.prepare(
        "INSERT INTO sessions(token_hash, user_id, created_at_ms, expires_at_ms)"
        " VALUES (?, ?, ?, ?)");
    q.bind_blob(1, token.hash).bind(2, user).bind(3, now).bind(4, now + ttl_ms);
    int rc = q.run();
    if (is_foreign_key_violation(rc)) return errc::not_found;
    if (rc != SQLITE_DONE) return errc::io_error;
    return std::move(token.text);
}

result<session> sqlite_store::find_session(std::string_view token) {
    if (!plausible_token(token)) return errc::not_found;
    const auto hash = hash_token(token);
    auto db = reads_.acquire();
    auto q = db->prepare(
        "SELECT u.id, u.school_id, u.username, u.display_name, u.role, s.expires_at_ms"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?");
    q.bind_blob(1, hash);
    int rc = q.step();
    if (rc == SQLITE_DONE) return errc::not_found;
    if (rc != SQLITE_ROW) return errc::io_error;
    const auto expires_ms = q.int64(5);
    if (expires_ms <= now_ms()) return errc::expired;
    return session{read_user(q, 0),
                   std::chrono::system_clock::time_point(std::chrono::milliseconds(expires_ms))};
}

result<void> sqlite_store::revoke_session(std::string_view token) {
    if (!plausible_token(token)) return errc::not_found;
    const auto hash = hash_token(token);
    std::lock_guard lock(directory_mutex_);
    auto q = directory_db_.prepare("DELETE FROM sessions WHERE token_hash = ?");
    q.bind_blob(1, hash);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    if (directory_db_.changes() == 0) return errc::not_found;
    return {};
}

result<std::size_t> sqlite_store::purge_expired_sessions(std::int64_t now_ms) {
    std::lock_guard lock(directory_mutex_);
    auto q = directory_db_.prepare("DELETE FROM sessions WHERE expires_at_ms <= ?");
    q.bind(1, now_ms);
    if (q.run() != SQLITE_DONE) return errc::io_error;
    return static_cast<std::size_t>(directory_db_.changes());
}

// --- audit trail ---------------------------------------------------------------------------

result<std::int64_t> sqlite_store::append_audit(const audit_record& record) {
    if (!valid_audit_record(record)) return errc::invalid_argument;
    std::optional<audit_head> head;
    {
        std::lock_guard lock(directory_mutex_);
        transaction tx(directory_db_, transaction::kind::immediate);
        if (!tx.ok()) return errc::io_error;
        head = append_audit_entries(directory_db_, audit_key_, {&record, 1}, now_ms());
        if (!head || tx.commit() != SQLITE_OK) return errc::io_error;
    }
    audit_file_.publish(*head);
    return head->id;
}

}  // namespace detail

std::unique_ptr<store> open_sqlite_store(const store_options& options) {
    return std::make_unique<detail::sqlite_store>(options, std::filesystem::path());
}

}  // namespace circles::storage
