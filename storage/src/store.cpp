// open_store: the one place that turns a store URL into a store.
#include "circles/storage/store.hpp"

#include <stdexcept>
#include <string>

#include "sqlite_store.hpp"

namespace circles::storage {

std::unique_ptr<store> open_store(std::string_view url, const store_options& options) {
    if (url.empty()) return open_sqlite_store(options);
    if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
        return open_postgres_store(std::string(url), options);
    }
    if (url.starts_with("sqlite:")) {
        std::string_view path = url.substr(7);
        if (path.starts_with("//")) path.remove_prefix(2);  // sqlite:///var/lib/x.db
        return std::make_unique<detail::sqlite_store>(options, std::filesystem::path(path));
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

}  // namespace circles::storage
