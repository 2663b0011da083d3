#pragma once
// The audit trail: every moderation action, escalation step, identity reveal and counselor
// access, appended to one log per database (store::append_audit; the store itself appends
// "escalation.opened" in the same commit as each escalation).
//
// The log is a hash chain. Entry n's hash is HMAC-SHA256, keyed by a subkey of the master
// key, over entry n-1's hash and entry n's own fields, and ids run 1, 2, 3, ... with no gap,
// so an entry edited, deleted or moved breaks the chain at that entry. The end of the chain
// (the last id and its hash) is kept twice more: in a one-row table written in the same
// transaction as every entry, and, after the commit, in the file `audit.head` in the data
// folder (and in the server log). A log cut short is caught by either, as long as the file
// outlives the rows; see storage/README.md for what each copy can and cannot catch.
//
// Entries never hold message text: `target` and `detail` name ids, categories, ground-rule
// numbers and durations only.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "circles/storage/types.hpp"

namespace circles::storage {

struct audit_record {
    school_id school = 0;
    user_id actor = 0;   // 0: the system (the moderation engine, a timer)
    std::string action;  // "escalation.opened", "member.muted", "identity.revealed", ...
    room_id room = 0;    // 0: not about one room
    std::string target;  // what it applied to: "message:12:345", "user:7", "escalation:9"
    std::string detail;  // "ground_rule=2 minutes=10"; never message text
};

struct audit_verdict {
    bool ok = false;
    std::int64_t entries = 0;       // entries that verified (all of them when ok)
    std::int64_t first_broken = 0;  // the first entry that does not verify (0 when ok)
    std::string problem;            // one line naming that entry and what is wrong ("" when ok)
    std::int64_t head_id = 0;       // when ok: the last entry, and its hash in hex, for
    std::string head_hash;          // comparing with a copy kept elsewhere
    bool head_file_found = false;   // audit.head was there to check against
};

// Checks the audit chain of the store `store_url` names ("" = SQLite in data_dir,
// "sqlite:PATH", "postgresql://..."; as open_store), with master.key and audit.head from
// `data_dir`. Reads only: it creates, migrates and writes nothing. Throws std::runtime_error
// (one line, never a password) when it cannot check at all: no database, no key, a database
// from before the audit log, an unreachable server.
audit_verdict verify_audit(std::string_view store_url, const std::filesystem::path& data_dir);

}  // namespace circles::storage
