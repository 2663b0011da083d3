#include <map>
#include <mutex>
#include <unordered_map>

#include "circles/rooms/presence.hpp"

namespace circles::rooms {

member member_of(const storage::user& u) { return {u.id, u.display_name, u.user_role}; }

namespace {

class local_presence final : public presence {
  public:
    bool enter(storage::room_id room, const member& m) override {
        std::lock_guard lock(mutex_);
        auto& entry = rooms_[room][m.id];
        entry.who = m;
        return ++entry.connections == 1;
    }

    bool exit(storage::room_id room, storage::user_id user) override {
        std::lock_guard lock(mutex_);
        auto r = rooms_.find(room);
        if (r == rooms_.end()) return false;
        auto u = r->second.find(user);
        if (u == r->second.end()) return false;
        if (--u->second.connections > 0) return false;
        r->second.erase(u);
        if (r->second.empty()) rooms_.erase(r);
        return true;
    }

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
    std::mutex mutex_;
    // std::map keeps the list in user-id order, so every client sees the same order.
    std::unordered_map<storage::room_id, std::map<storage::user_id, entry>> rooms_;
};

}  // namespace

std::unique_ptr<presence> make_local_presence() { return std::make_unique<local_presence>(); }

}  // namespace circles::rooms
