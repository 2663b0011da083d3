#pragma once
// Who is in a room across every gateway node, behind rooms::presence. Each node writes its own
// members to Redis with an expiry it refreshes every presence_ttl / 3; a node that dies stops
// refreshing, and the next sweep by any live node removes its entries, within one TTL of its
// last refresh. Every change is published on one presence channel, so each node keeps a
// cache of the whole cluster's presence and answers present() from memory: no Redis round
// trip on an I/O thread. A full reload every few refreshes repairs anything pub/sub lost.
//
// enter() is "first connection of this user in this room anywhere"; exit() is "last one
// anywhere". Both are judged from this node's cache, so two nodes racing can both say
// "first": presence frames are idempotent for clients, so a repeat is harmless.
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
    // A member's last entry in a room was removed because its node stopped refreshing it
    // (the node died or lost Redis for longer than the TTL). Called on exactly one node, the
    // one whose sweep removed it, on the presence strand; the caller tells the room (a
    // PresenceChange with present=false through the bus).
    using member_lost = std::function<void(storage::room_id, const rooms::member&)>;
    virtual void on_member_lost(member_lost f) = 0;
};

// Starts connecting at once, in the background. Throws boost::system::system_error (an
// `errc`) on bad options. Lifetime rules as for make_redis_bus.
std::unique_ptr<redis_presence> make_redis_presence(boost::asio::io_context& ioc,
                                                    const redis_options& o);

}  // namespace circles::cluster
