#pragma once
// What the service's files share about calling the store: how a store error reads as a rooms
// error, and the wall clock the store's times are in.
#include <chrono>
#include <cstdint>

#include "circles/rooms/service.hpp"

namespace circles::rooms::detail {

// The store's error as the rooms error a caller answers with; `not_found` names what was
// missing (a message, a member, a report, a round).
inline errc from_store(const boost::system::error_code& ec, errc not_found) {
    if (ec == storage::errc::not_found) return not_found;
    if (ec == storage::errc::invalid_argument) return errc::invalid_argument;
    if (ec == storage::errc::limit_reached) return errc::limit_reached;
    return errc::store_unavailable;
}

// Unix milliseconds, as the store keeps times.
inline std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace circles::rooms::detail
