#pragma once
// The node-local registry of connections per room. It does not own connections: it keeps
// weak references, snapshots a room's list under its lock, and delivers outside it. It tells
// the bus when the node gains its first or loses its last local member of a room.
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "circles/rooms/bus.hpp"

namespace circles::rooms {

// A connection that receives room events. deliver() is called from any thread and must only
// hand the event to the connection's own executor.
class subscriber {
  public:
    virtual ~subscriber() = default;
    virtual void deliver(const room_event& ev) = 0;
};

class hub {
  public:
    explicit hub(bus& b);

    void add(storage::room_id room, const std::shared_ptr<subscriber>& s);
    void remove(storage::room_id room, const subscriber* s);
    void dispatch(const room_event& ev);
    std::size_t local_count(storage::room_id room) const;
    // The rooms with local subscribers now (a snapshot).
    std::vector<storage::room_id> rooms() const;

  private:
    bus& bus_;
    mutable std::mutex mutex_;
    std::unordered_map<storage::room_id, std::vector<std::weak_ptr<subscriber>>> rooms_;
};

}  // namespace circles::rooms
