#pragma once
// The audit hash chain, the same for every store: the key, how an entry is signed, the head
// file, and the checks `verify_audit` makes. A store only moves rows: it appends entries with
// append_audit_entries and reads them back with read_*_audit (one of each per database, in
// sqlite_audit.cpp and pg_audit.cpp). See circles/storage/audit.hpp and storage/README.md.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "circles/storage/audit.hpp"
#include "circles/storage/types.hpp"

namespace circles::storage {
class secret_key;
}

namespace circles::storage::detail {

class database;       // sqlite_db.hpp
class pg_connection;  // pg_db.hpp

using audit_hash = std::array<unsigned char, 32>;

// The end of the chain: the last entry's id and hash ({0, zeros} before the first entry).
struct audit_head {
    std::int64_t id = 0;
    audit_hash hash{};
};

// An entry as it is written.
struct audit_entry {
    std::int64_t id = 0;
    std::int64_t at_ms = 0;
    audit_record record;
    audit_hash prev{};
    audit_hash hash{};
};

// An entry as it is read back: the hashes as stored, whatever their length.
struct audit_row {
    std::int64_t id = 0;
    std::int64_t at_ms = 0;
    audit_record record;
    std::vector<unsigned char> prev;
    std::vector<unsigned char> hash;
};

// What a verifying read selects from audit_log, in the order audit_row_from reads it.
inline constexpr std::string_view audit_columns =
    "id, at_ms, school_id, actor_id, action, room_id, target, detail, prev_hash, hash";

// A row of audit_columns from either database, through its column readers:
// int64(col), text(col) and bytes(col).
template <class Int64, class Text, class Bytes>
audit_row audit_row_from(const Int64& int64, const Text& text, const Bytes& bytes) {
    audit_row row;
    row.id = int64(0);
    row.at_ms = int64(1);
    row.record = {int64(2), int64(3), text(4), int64(5), text(6), text(7)};
    row.prev = bytes(8);
    row.hash = bytes(9);
    return row;
}

// The HMAC-SHA256 key of the chain: crypto_kdf subkey 1, context "cirAUDIT", of the master key.
class audit_key {
  public:
    explicit audit_key(const secret_key& master);
    ~audit_key();
    audit_key(const audit_key&) = delete;
    audit_key& operator=(const audit_key&) = delete;

    // HMAC over prev and each field (length-prefixed, so no two entries share an encoding).
    audit_hash sign(const audit_hash& prev, std::int64_t id, std::int64_t at_ms,
                    const audit_record& r) const;
    // The entry that follows `head`.
    audit_entry next(const audit_head& head, audit_record r, std::int64_t at_ms) const;

  private:
    unsigned char* key_;  // sodium_malloc'd, read-only
};

// What append_audit accepts: an action name, target and detail as valid UTF-8 within the
// limits, no negative ids.
bool valid_audit_record(const audit_record& r) noexcept;

// The entry the store writes with every escalation it opens. Ids, source, categories and the
// rule only: never the text.
audit_record escalation_opened(school_id school, const append_request& req,
                               std::int64_t escalation_id, seq_t seq);

std::string to_hex(const audit_hash& h);
// A stored hash column; nullopt when it is not 32 bytes.
std::optional<audit_hash> to_audit_hash(std::span<const unsigned char> bytes);

// --- audit.head ----------------------------------------------------------------------------

inline constexpr const char* audit_head_file_name = "audit.head";

struct audit_head_file {
    enum class state { missing, unreadable, present };
    state what = state::missing;
    audit_head head;
};

// The file is "ID HEX\n".
audit_head_file read_audit_head_file(const std::filesystem::path& file);
// Replaces the file atomically (temporary file, fsync, rename, fsync of the folder).
// Throws std::runtime_error.
void write_audit_head_file(const std::filesystem::path& file, const audit_head& head);

// A store's copy of the head outside the database. It only ever moves forward: after a
// database is cut back or restored from a backup, the file keeps naming the lost entry, so
// `circles audit verify` reports it, until an operator removes the file.
class audit_head_publisher {
  public:
    explicit audit_head_publisher(std::filesystem::path file);
    // After a commit: `head` to the file when it is further on than the file, and to the log.
    // A failure is logged, never thrown: the entries are committed either way.
    void publish(const audit_head& head) noexcept;
    // At open: warns when the file names an entry the database does not reach.
    void check_at_open(const audit_head& db_head) const;

  private:
    const std::filesystem::path file_;
    std::mutex mutex_;
    std::int64_t written_ = 0;  // the id the file holds
    std::int64_t at_open_ = 0;  // the id the file held when the store opened (0: none)
};

// --- appending (one per database) ------------------------------------------------------------

// Appends `records` after the head row, inside the caller's transaction, and moves the head
// row on; returns the new head, nullopt when a statement failed (the caller rolls back).
// SQLite: the caller's BEGIN IMMEDIATE already serialises writers. PostgreSQL: the head row is
// locked (FOR UPDATE) until the transaction ends, so nodes appending at once take turns and
// still form one chain.
std::optional<audit_head> append_audit_entries(database& db, const audit_key& key,
                                               std::span<const audit_record> records,
                                               std::int64_t now);
std::optional<audit_head> append_audit_entries(pg_connection& db, const audit_key& key,
                                               std::span<const audit_record> records,
                                               std::int64_t now);

// Logs that the head row is gone or damaged: until it is repaired nothing can be appended,
// and so no escalation can be stored (it commits with its entry or not at all).
void log_unusable_audit_head();

// The head row as committed; nullopt when it cannot be read. Throws nothing.
std::optional<audit_head> read_audit_head(database& db);
std::optional<audit_head> read_audit_head(pg_connection& db);

// --- verifying -----------------------------------------------------------------------------

// Reads a database's audit log in one snapshot, so that appends made meanwhile are not seen
// half: calls `each` with every row in id order until it returns false, then returns the
// head row (nullopt when it is gone). Read-only; throws std::runtime_error when the database
// cannot be read or has no audit log yet.
using audit_row_fn = std::function<bool(const audit_row&)>;
std::optional<audit_head> read_sqlite_audit(const std::filesystem::path& db_file,
                                            const audit_row_fn& each);
std::optional<audit_head> read_pg_audit(const std::string& conninfo, const audit_row_fn& each);

// Walks the chain row by row and names the first entry that does not verify.
class audit_verifier {
  public:
    audit_verifier(const audit_key& key, audit_head_file file);
    // The next row in id order; false once the chain is broken (read no further).
    bool next(const audit_row& row);
    // After the last row: checks the end of the chain against the head row and the file.
    audit_verdict finish(const std::optional<audit_head>& db_head);

  private:
    bool broken(std::int64_t id, std::string problem);

    const audit_key& key_;
    const audit_head_file file_;
    audit_head last_;  // the last entry that verified
    audit_verdict verdict_;
};

}  // namespace circles::storage::detail
