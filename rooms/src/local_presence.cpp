#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "circles/rooms/presence.hpp"

namespace circles::rooms {

member member_of(const storage::user& u) { return {u.id, u.display_name, u.user_role}; }

void change_feed::set(presence::change_listener f) {
    std::lock_guard running(delivering_);
    listener_ = std::move(f);
}

void change_feed::push(storage::room_id room, member m, bool present) {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back({room, std::move(m), present});
}

void change_feed::deliver() {
    for (;;) {
        {
            std::unique_lock running(delivering_, std::try_to_lock);
            if (!running) return;  // the thread delivering now takes these too
            for (;;) {
                std::optional<change> next;
                {
                    std::lock_guard lock(queue_mutex_);
                    if (queue_.empty()) break;
                    next = std::move(queue_.front());
                    queue_.pop_front();
                }
                if (listener_) listener_(next->room, next->who, next->present);
            }
        }
        // A change pushed after the queue was found empty and before `running` was released
        // found it held and left: take it now.
        std::lock_guard lock(queue_mutex_);
        if (queue_.empty()) return;
    }
}

namespace {

class local_presence final : public presence {
  public:
    bool enter(storage::room_id room, const member& m) override {
        bool first = false;
        {
            std::lock_guard lock(mutex_);
            auto& entry = rooms_[room][m.id];
            entry.who = m;
            first = ++entry.connections == 1;
            if (first) feed_.push(room, m, true);
        }
        if (first) feed_.deliver();
        return first;
    }

    bool exit(storage::room_id room, storage::user_id user) override {
        bool last = false;
        {
            std::lock_guard lock(mutex_);
            auto r = rooms_.find(room);
            if (r == rooms_.end()) return false;
            auto u = r->second.find(user);
            if (u == r->second.end()) return false;
            if (--u->second.connections > 0) return false;
            feed_.push(room, std::move(u->second.who), false);
            r->second.erase(u);
            if (r->second.empty()) rooms_.erase(r);
            last = true;
        }
        feed_.deliver();
        return last;
    }

    void on_change(change_listener f) override { feed_.set(std::move(f)); }

    std::vector<member> present(storage::room_id room) override {
        std::lock_guard lock(mutex_);
        std::vector<member> out;
        if (auto r = rooms_.find(room); r != rooms_.end()) {
            for (const auto& [id, entry] : r->second) out.push_back(entry.who);
        }
        return out;
    }

  private:
    struct entry {
        member who;
        int connections = 0;
    };
    change_feed feed_;
    std::mutex mutex_;
    // std::map keeps the list in user-id order, so every client sees the same order.
    std::unordered_map<storage::room_id, std::map<storage::user_id, entry>> rooms_;
};

}  // namespace

std::unique_ptr<presence> make_local_presence() { return std::make_unique<local_presence>(); }

}  // namespace circles::rooms
