// The one place where the text of each storage error lives.
#include "circles/storage/errc.hpp"

#include <string>

namespace circles::storage {
namespace {

class storage_category_impl final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "circles.storage"; }

    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::ok:
                return "success";
            case errc::not_found:
                return "not found";
            case errc::already_exists:
                return "already exists";
            case errc::invalid_argument:
                return "invalid argument";
            case errc::bad_credentials:
                return "unknown user or wrong password";
            case errc::expired:
                return "session expired";
            case errc::crypto_failure:
                return "stored data failed authentication (tampered or wrong key)";
            case errc::io_error:
                return "database error";
            case errc::overloaded:
                return "store overloaded, retry later";
            case errc::closed:
                return "store is closed";
            case errc::schema_too_new:
                return "database schema too new for this version of Circles";
            case errc::not_permitted:
                return "not permitted";
            case errc::limit_reached:
                return "limit reached";
        }
        return "unknown storage error " + std::to_string(ev);
    }
};

}  // namespace

const boost::system::error_category& storage_category() noexcept {
    static const storage_category_impl instance;
    return instance;
}

}  // namespace circles::storage
