#pragma once
// Typed errors of the storage module. Domain calls return `result<T>`; the text a person sees
// for each code lives in one place (errc.cpp).
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

namespace circles::storage {

enum class errc {
    ok = 0,
    not_found = 1,         // no such row
    already_exists = 2,    // a unique name is taken
    invalid_argument = 3,  // a caller passed something the schema refuses
    bad_credentials = 4,   // unknown user or wrong password (never says which)
    expired = 5,           // a session token past its expiry
    crypto_failure = 6,    // a sealed value failed authentication: tampered or wrong key
    io_error = 7,          // the database refused or failed a statement
    overloaded = 8,        // the append queue is full; retry later
    closed = 9,            // the store is shutting down
    schema_too_new = 10,   // the database was written by a newer Circles
    not_permitted = 11,    // the user may not do this (e.g. acknowledge another school's case)
    limit_reached = 12,    // a named limit (limits.hpp) would be passed, e.g. open reports
};

const boost::system::error_category& storage_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), storage_category()};
}

template <class T>
using result = boost::system::result<T>;

}  // namespace circles::storage

namespace boost::system {
template <>
struct is_error_code_enum<circles::storage::errc> : std::true_type {};
}  // namespace boost::system
