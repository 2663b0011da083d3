#include "circles/rooms/hub.hpp"

#include <algorithm>

namespace circles::rooms {

hub::hub(bus& b) : bus_(b) {}

// The bus is told under the lock, so a subscribe and an unsubscribe of the same room from two
// threads cannot cross and leave a room with members unsubscribed.
void hub::add(storage::room_id room, const std::shared_ptr<subscriber>& s) {
    std::lock_guard lock(mutex_);
    // The bus is subscribed exactly while the room has an entry here, even if every weak
    // reference in it has expired without a remove().
    auto [it, created] = rooms_.try_emplace(room);
    if (created) bus_.subscribe(room);
    std::erase_if(it->second, [](const auto& w) { return w.expired(); });
    it->second.push_back(s);
}

void hub::remove(storage::room_id room, const subscriber* s) {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return;
    std::erase_if(it->second, [s](const auto& w) {
        auto p = w.lock();
        return !p || p.get() == s;
    });
    if (it->second.empty()) {
        rooms_.erase(it);
        bus_.unsubscribe(room);
    }
}

void hub::dispatch(const room_event& ev) {
    std::vector<std::shared_ptr<subscriber>> targets;
    {
        std::lock_guard lock(mutex_);
        auto it = rooms_.find(ev.room);
        if (it == rooms_.end()) return;
        targets.reserve(it->second.size());
        for (const auto& w : it->second) {
            if (auto p = w.lock()) targets.push_back(std::move(p));
        }
    }
    for (const auto& t : targets) t->deliver(ev);
}

std::size_t hub::local_count(storage::room_id room) const {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(room);
    return it == rooms_.end() ? 0 : it->second.size();
}

std::vector<storage::room_id> hub::rooms() const {
    std::lock_guard lock(mutex_);
    std::vector<storage::room_id> out;
    out.reserve(rooms_.size());
    for (const auto& [room, subs] : rooms_) out.push_back(room);
    return out;
}

}  // namespace circles::rooms
