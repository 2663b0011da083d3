#include "circles/gateway/audit_command.hpp"

#include <ostream>
#include <stdexcept>
#include <string>

#include "circles/gateway/command_line.hpp"
#include "circles/storage/audit.hpp"

namespace circles::gateway {
namespace {

constexpr const char* audit_usage = "circles audit verify (--data DIR | --config FILE)";

std::string entries(std::int64_t n) { return std::to_string(n) + (n == 1 ? " entry" : " entries"); }

int run_verify(std::vector<std::string> args, std::ostream& out) {
    const auto where = take_store_choice(args, "audit verify");
    no_more_args(args);
    const auto v = storage::verify_audit(where.url, where.data_dir);
    if (!v.ok) {
        out << "audit: chain broken at entry " << v.first_broken << ": " << v.problem << "\n"
            << "audit: " << entries(v.entries) << " before it verified\n";
        return 1;
    }
    out << "audit: " << entries(v.entries) << ", chain intact\n";
    if (v.entries > 0) out << "audit: head is entry " << v.head_id << " " << v.head_hash << "\n";
    if (!v.head_file_found) {
        out << "audit: no audit.head in " << where.data_dir.string()
            << ": a cut-off end is checked against the database's own head only\n";
    }
    return 0;
}

}  // namespace

int run_audit(std::vector<std::string> args, std::ostream& out) {
    const auto sub = take_subcommand(args, audit_usage);
    if (sub == "verify") return run_verify(std::move(args), out);
    unknown_subcommand("audit", sub, audit_usage);
}

}  // namespace circles::gateway
