#pragma once
// The fan-out bus between gateway nodes over Redis pub/sub, behind rooms::bus. One channel per
// room; a node is subscribed to a room's channel exactly while it has local members there
// (the hub tells it). A publish reaches the node's own members at once, like the local bus,
// and every other subscribed node through Redis; the node drops its own echo.
//
// Redis pub/sub is at-most-once: an event published while a subscriber is disconnected is
// gone. The bus is a hint, as rooms::bus says: receivers track each room's seq and fill gaps
// from the store, and on_reconnected tells the caller when an outage ended so it can catch
// up rooms whose next event may never come.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>

#include "circles/cluster/redis_options.hpp"
#include "circles/rooms/bus.hpp"

namespace circles::cluster {

// Counters for metrics and tests; monotonic since the bus was made.
struct bus_stats {
    std::uint64_t published = 0;        // PUBLISH commands Redis acknowledged
    std::uint64_t publish_dropped = 0;  // went out locally only: Redis down or queue full
    std::uint64_t received = 0;         // events from other nodes handed to the handler
    std::uint64_t echoes_ignored = 0;   // this node's own events coming back from Redis
    std::uint64_t malformed = 0;        // payloads that did not decode (dropped)
    std::uint64_t reconnects = 0;       // times on_reconnected fired
};

class redis_bus : public rooms::bus {
  public:
    // True while both connections (publish, subscribe) are up and Redis has confirmed the
    // subscribe connection's first SUBSCRIBE. For /readyz. (A room subscribed a moment ago
    // may still have its own SUBSCRIBE on the wire.)
    virtual bool connected() const noexcept = 0;
    // Called after Redis came back (and, on the first connect, if rooms were already
    // subscribed) once every room is subscribed again: events published in the dark are lost,
    // so the caller catches its rooms up from the store. Runs on the bus's strand: hand long
    // work (store reads) to another executor.
    virtual void on_reconnected(std::function<void()> f) = 0;
    // Called (on the bus strand) each time Redis confirms a room's SUBSCRIBE: when the node's
    // first member joined it, and again after every reconnect. subscribe() returns before
    // that, so an event another node published in between was not delivered here; a caller
    // that reads the store for that room now misses nothing. Same threading rule as above.
    virtual void on_subscribed(std::function<void(storage::room_id)> f) = 0;
    virtual bus_stats stats() const noexcept = 0;
};

// Starts connecting at once, in the background; the node serves its own members while Redis
// is away. Throws boost::system::system_error (an `errc`) on bad options.
//
// `ioc` must outlive the bus. Destroy the bus while `ioc` is being run (the destructor posts
// its shutdown and waits for it) or after every thread running it has returned.
std::unique_ptr<redis_bus> make_redis_bus(boost::asio::io_context& ioc, const redis_options& o);

}  // namespace circles::cluster
