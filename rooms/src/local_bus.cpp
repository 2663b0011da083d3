#include <mutex>
#include <unordered_set>

#include "circles/rooms/bus.hpp"

namespace circles::rooms {
namespace {

// The in-process bus: a publish is a function call. Subscriptions are counted so a room the
// node has no members in costs nothing.
class local_bus final : public bus {
  public:
    void set_handler(handler h) override {
        std::lock_guard lock(mutex_);
        handler_ = std::move(h);
    }

    void publish(room_event ev) override {
        handler h;
        {
            std::lock_guard lock(mutex_);
            if (!subscribed_.contains(ev.room)) return;
            h = handler_;
        }
        if (h) h(ev);
    }

    void subscribe(storage::room_id room) override {
        std::lock_guard lock(mutex_);
        subscribed_.insert(room);
    }

    void unsubscribe(storage::room_id room) override {
        std::lock_guard lock(mutex_);
        subscribed_.erase(room);
    }

  private:
    std::mutex mutex_;
    handler handler_;
    std::unordered_set<storage::room_id> subscribed_;
};

}  // namespace

std::unique_ptr<bus> make_local_bus() { return std::make_unique<local_bus>(); }

}  // namespace circles::rooms
