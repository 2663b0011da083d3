// open_store: the one place that turns a store URL into a store.
#include "circles/storage/store.hpp"

#include <stdexcept>
#include <string>

#include "sqlite_store.hpp"
#include "store_common.hpp"

namespace circles::storage {
namespace detail {

store_location parse_store_url(std::string_view url) {
    if (url.empty()) return {store_location::kind::sqlite, {}, {}};
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        return {store_location::kind::postgres, {}, std::string(url)};
    }
    if (url.starts_with("sqlite:")) {
        std::string_view path = url.substr(7);
        if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///var/lib/x.db
        return {store_location::kind::sqlite, std::filesystem::path(path), {}};
    }
    // Name only a plausible scheme: the rest (or a key=value string) may hold a password.
    const auto colon = url.find(':');
    const std::string_view scheme = url.substr(0, colon);
    const bool plausible =
        colon != std::string_view::npos && !scheme.empty() && scheme.size() <= 32 &&
        scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+.-") == scheme.npos;
    throw std::runtime_error((plausible
                                  ? "unsupported store URL scheme \"" + std::string(scheme) + "\""
                                  : std::string("store URL is not a URL")) +
                             ": expected sqlite:PATH or postgresql://...");
}

}  // namespace detail

std::unique_ptr<store> open_store(std::string_view url, const store_options& options) {
    const auto where = detail::parse_store_url(url);
    if (where.what == detail::store_location::kind::postgres) {
        return open_postgres_store(where.conninfo, options);
    }
    return std::make_unique<detail::sqlite_store>(options, where.sqlite_file);
}

static_assert(session_token_hash_bytes == detail::token_hash_bytes);

std::string session_token_hash(std::string_view token) {
    const auto h = detail::hash_token(token);
    return {reinterpret_cast<const char*>(h.data()), h.size()};
}

}  // namespace circles::storage
