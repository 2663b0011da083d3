#pragma once
// Who is in a room across every gateway node, behind rooms::presence. Each node writes its own
// members to Redis with an expiry it refreshes every presence_ttl / 3; a node that dies stops
// refreshing, and the next sweep by any live node removes its entries, within one TTL of its
// last refresh. Every change is published on one presence channel, so each node keeps a
// cache of the whole cluster's presence and answers present() from memory: no Redis round
// trip on an I/O thread. A full reload every few refreshes repairs anything pub/sub lost.
//
// enter() is "first connection of this user in this room anywhere"; exit() is "last one
// anywhere", both as this node's view (its own connections and the cache) sees it. Every
// change of that view goes to the change listener, whatever caused it: this node's own
// connections, another node's enter or exit, a sweep of a dead node's entries, or a reload
// that found pub/sub had lost a change. Each node tells its own clients, so what they hear
// always matches its view; when a user's tabs on two nodes close at once, each node tells
// its clients as soon as it has heard of both.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>

#include "circles/cluster/redis_options.hpp"
#include "circles/rooms/presence.hpp"

namespace circles::cluster {

class redis_presence : public rooms::presence {
  public:
    // True while both connections are up, the channel is subscribed and the cache has been
    // loaded since the last reconnect. For /readyz.
    virtual bool connected() const noexcept = 0;
    // Called (on the presence strand) after Redis came back and this node's members were
    // announced again and the cache reloaded.
    virtual void on_reconnected(std::function<void()> f) = 0;
};

// Starts connecting at once, in the background. Throws boost::system::system_error (an
// `errc`) on bad options. Lifetime rules as for make_redis_bus.
std::unique_ptr<redis_presence> make_redis_presence(boost::asio::io_context& ioc,
                                                    const redis_options& o);

}  // namespace circles::cluster
