#pragma once
// `circles audit verify (--data DIR | --config FILE)`
//
// Checks the audit trail's hash chain (circles/storage/audit.hpp) of a SQLite data folder, or
// of the store a configuration names (SQLite or PostgreSQL), without changing anything. Prints
// "audit: N entries, chain intact", or the first entry that does not verify and what is wrong
// with it. Never prints an entry's content, a password or a token.
#include <iosfwd>
#include <string>
#include <vector>

namespace circles::gateway {

// `circles audit SUBCOMMAND ...` (args without "audit"). Returns 0 when the chain is intact,
// 1 when it is broken; throws std::invalid_argument for a usage error and std::runtime_error
// when the store cannot be checked at all (main turns both into exit status 2).
int run_audit(std::vector<std::string> args, std::ostream& out);

}  // namespace circles::gateway
