#pragma once
// Who is in a room right now. A user counts once however many tabs they have open: `enter`
// reports the first connection and `exit` the last, which is when the room hears about it.
//
// Each node tells its own connections what its own view says. Its view is its local
// connections and, in a cluster, what the other nodes have announced; every change to it,
// whatever caused it, goes to the change listener, one at a time and in order. So the events
// a client hears always agree with the list it was given when it joined, and when the nodes'
// views converge, so do their clients'.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "circles/storage/types.hpp"

namespace circles::rooms {

// A room member as everyone else sees them: the pseudonym, never the username.
struct member {
    storage::user_id id = 0;
    std::string display_name;
    storage::role user_role = storage::role::student;
};

member member_of(const storage::user& u);

class presence {
  public:
    // A member came into (present) or left this node's view of a room.
    using change_listener =
        std::function<void(storage::room_id room, const member& m, bool present)>;

    virtual ~presence() = default;
    // Returns true when this is the user's first connection in the room, as far as this node
    // knows (the listener is told: by this thread, or by one delivering already).
    virtual bool enter(storage::room_id room, const member& m) = 0;
    // Returns true when this was the user's last connection in the room, as far as this node
    // knows (the listener is told as for enter).
    virtual bool exit(storage::room_id room, storage::user_id user) = 0;
    // Called for every change of this node's view, one at a time and in the order the changes
    // happened, outside the presence's lock (it may enter or exit, from any thread). An empty
    // function stops the calls; once on_change returns, no call to the old listener is still
    // running. Not to be called from within the listener.
    virtual void on_change(change_listener f) = 0;
    virtual std::vector<member> present(storage::room_id room) = 0;
};

std::unique_ptr<presence> make_local_presence();

// What a presence uses to call its listener: changes are pushed under the presence's lock
// (so their order is the order of its view) and handed over by deliver() after that lock is
// released, by one thread at a time. A thread that finds another delivering leaves its
// changes to it, so a listener that enters or exits again (on its own thread) does not
// deadlock; its change is heard after the one being delivered.
class change_feed {
  public:
    // Waits for a delivery in progress to end. Not from within the listener.
    void set(presence::change_listener f);
    void push(storage::room_id room, member m, bool present);
    void deliver();

  private:
    struct change {
        storage::room_id room;
        member who;
        bool present;
    };
    std::mutex mutex_;
    std::condition_variable idle_;  // delivering_ went false
    std::deque<change> queue_;
    bool delivering_ = false;             // a thread is calling the listener
    presence::change_listener listener_;  // changed only while no thread delivers
};

}  // namespace circles::rooms
