#include <map>
#include <mutex>
#include <unordered_map>

#include "circles/rooms/presence.hpp"

namespace circles::rooms {

member member_of(const storage::user& u) { return {u.id, u.display_name, u.user_role}; }

void change_feed::set(presence::change_listener f) {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return !delivering_; });
    listener_ = std::move(f);
}

void change_feed::push(storage::room_id room, member m, bool present) {
    std::lock_guard lock(mutex_);
    queue_.push_back({room, std::move(m), present});
}

void change_feed::deliver() {
    std::unique_lock lock(mutex_);
    if (delivering_) return;  // the thread delivering now takes these too (maybe this one)
    delivering_ = true;
    while (!queue_.empty()) {
        const change next = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        // listener_ does not change while delivering_ is set (set() waits).
        if (listener_) listener_(next.room, next.who, next.present);
        lock.lock();
    }
    delivering_ = false;
    idle_.notify_all();
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
