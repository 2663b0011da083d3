// verify_audit: checks the audit chain of whichever store a URL names, reading only.
#include "circles/storage/audit.hpp"

#include <stdexcept>

#include "audit_chain.hpp"
#include "circles/storage/keyring.hpp"
#include "store_common.hpp"

namespace circles::storage {

audit_verdict verify_audit(std::string_view store_url, const std::filesystem::path& data_dir) {
    const auto where = detail::parse_store_url(store_url);
    if (data_dir.empty()) throw std::runtime_error("no data folder given (it holds master.key)");
    const auto master = load_master_key(data_dir / "master.key");
    const detail::audit_key key(*master);
    // The file before the database: it is written after each commit, so read first it cannot
    // name an entry the snapshot taken next does not hold.
    auto file = detail::read_audit_head_file(data_dir / detail::audit_head_file_name);
    detail::audit_verifier verifier(key, std::move(file));
    const auto each = [&](const detail::audit_row& row) { return verifier.next(row); };
    const auto head =
        where.what == detail::store_location::kind::postgres
            ? detail::read_pg_audit(where.conninfo, each)
            : detail::read_sqlite_audit(
                  where.sqlite_file.empty() ? data_dir / "circles.db" : where.sqlite_file, each);
    return verifier.finish(head);
}

}  // namespace circles::storage
