#include "migrations.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "circles/storage/errc.hpp"

namespace circles::storage::detail {
namespace {

struct migration {
    std::int64_t version;
    const char* sql;
};

// Notes on migration 1:
// - users.username is unique across schools because login (find_user) takes only a name;
//   display_name is a per-school pseudonym, unique within its school.
// - password_hash is the full crypto_pwhash_str string (Argon2id, its own salt and limits).
// - room_keys.key_id is global, so the wrapped key's associated data ("circles-room-key|id")
//   and a message's ("room|seq|key_id") each name exactly one key. rooms.key_id is the key
//   new messages are sealed with; older rows keep the key_id they were sealed with.
// - messages is clustered by (room_id, seq) (WITHOUT ROWID) so history pages are range scans;
//   UNIQUE (room_id, sender_id, client_msg_id) makes retried sends idempotent.
// - sessions keeps only crypto_generichash(token); a database copy holds no usable token.
constexpr migration migrations[] = {
    {1, R"sql(
CREATE TABLE schools (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          INTEGER NOT NULL CHECK (role BETWEEN 1 AND 4),
    password_hash TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (school_id, display_name)
);
CREATE TABLE rooms (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    epoch         INTEGER NOT NULL DEFAULT 1,
    last_seq      INTEGER NOT NULL DEFAULT 0,
    key_id        INTEGER REFERENCES room_keys(key_id),
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX rooms_by_school ON rooms(school_id);
CREATE TABLE room_members (
    room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX room_members_by_user ON room_members(user_id, room_id);
CREATE TABLE room_keys (
    key_id        INTEGER PRIMARY KEY,
    room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    nonce         BLOB    NOT NULL,
    ciphertext    BLOB    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX room_keys_by_room ON room_keys(room_id);
CREATE TABLE messages (
    room_id       INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    epoch         INTEGER NOT NULL,
    sender_id     INTEGER NOT NULL REFERENCES users(id),
    client_msg_id TEXT    NOT NULL,
    key_id        INTEGER NOT NULL REFERENCES room_keys(key_id),
    nonce         BLOB    NOT NULL,
    ciphertext    BLOB    NOT NULL,
    status        INTEGER NOT NULL CHECK (status BETWEEN 1 AND 3),
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (room_id, seq),
    UNIQUE (room_id, sender_id, client_msg_id)
) WITHOUT ROWID;
CREATE TABLE sessions (
    token_hash    BLOB    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions(user_id);
)sql"},
    // Migration 2: escalations. The triggering text is sealed with the room's key under the
    // associated data "escalation|id|key_id"; seq is NULL when a ground rule kept the message
    // out of the room. It is written in the same transaction as its message.
    {2, R"sql(
CREATE TABLE escalations (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    room_id       INTEGER NOT NULL REFERENCES rooms(id),
    sender_id     INTEGER NOT NULL REFERENCES users(id),
    seq           INTEGER,
    source        INTEGER NOT NULL CHECK (source BETWEEN 1 AND 4),
    categories    TEXT    NOT NULL,
    rule_id       TEXT    NOT NULL DEFAULT '',
    key_id        INTEGER NOT NULL REFERENCES room_keys(key_id),
    nonce         BLOB    NOT NULL,
    ciphertext    BLOB    NOT NULL,
    client_msg_id TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open',
    created_at_ms INTEGER NOT NULL,
    UNIQUE (room_id, sender_id, client_msg_id)
);
CREATE INDEX escalations_by_state ON escalations(school_id, state, id);
)sql"},
};

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

[[noreturn]] void fail(database& db, const std::string& what) {
    throw std::runtime_error("database migration failed: " + what + ": " + db.errmsg());
}

}  // namespace

std::int64_t latest_schema_version() noexcept { return std::end(migrations)[-1].version; }

std::int64_t apply_migrations(database& db) {
    transaction tx(db, transaction::kind::immediate);
    if (!tx.ok()) fail(db, "BEGIN IMMEDIATE");
    if (db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY,"
                " applied_at_ms INTEGER NOT NULL)") != SQLITE_OK) {
        fail(db, "create schema_migrations");
    }
    std::int64_t current = 0;
    {
        auto q = db.prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
        if (q.step() != SQLITE_ROW) fail(db, "read schema version");
        current = q.int64(0);
    }
    if (current > latest_schema_version()) {
        throw std::runtime_error(
            "database schema too new: version " + std::to_string(current) +
            ", this build of Circles knows up to " + std::to_string(latest_schema_version()) +
            " (" + storage_category().message(static_cast<int>(errc::schema_too_new)) + ")");
    }
    std::int64_t applied = current;
    for (const auto& m : migrations) {
        if (m.version <= current) continue;
        if (db.exec(m.sql) != SQLITE_OK) fail(db, "migration " + std::to_string(m.version));
        auto q = db.prepare("INSERT INTO schema_migrations(version, applied_at_ms) VALUES (?, ?)");
        q.bind(1, m.version).bind(2, now_ms());
        if (q.run() != SQLITE_DONE) fail(db, "record migration " + std::to_string(m.version));
        applied = m.version;
    }
    if (tx.commit() != SQLITE_OK) fail(db, "COMMIT");
    if (applied != current) {
        spdlog::info("storage: schema migrated from version {} to {}", current, applied);
    }
    return applied;
}

}  // namespace circles::storage::detail
