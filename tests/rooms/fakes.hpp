#pragma once
// Test doubles for the rooms interfaces: a bus that records every call (and, like the local
// bus, hands a publish to its handler when the room is subscribed), and a subscriber that
// records and decodes what it is given.
#include <algorithm>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "circles/rooms/bus.hpp"
#include "circles/rooms/hub.hpp"
#include "circles/v1/circles.pb.h"

namespace circles::rooms::testing {

class recording_bus final : public bus {
  public:
    struct call {
        enum kind { subscribe, unsubscribe } what;
        storage::room_id room;
        friend bool operator==(const call&, const call&) = default;
    };

    void set_handler(handler h) override {
        std::lock_guard lock(mutex_);
        handler_ = std::move(h);
        ++handlers_set_;
    }

    void publish(room_event ev) override {
        handler h;
        {
            std::lock_guard lock(mutex_);
            published_.push_back(ev);
            if (!subscribed_.contains(ev.room)) return;
            h = handler_;
        }
        if (h) h(ev);
    }

    void subscribe(storage::room_id room) override {
        std::lock_guard lock(mutex_);
        calls_.push_back({call::subscribe, room});
        subscribed_.insert(room);
    }

    void unsubscribe(storage::room_id room) override {
        std::lock_guard lock(mutex_);
        calls_.push_back({call::unsubscribe, room});
        subscribed_.erase(room);
    }

    std::vector<call> calls() const {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    std::vector<room_event> published() const {
        std::lock_guard lock(mutex_);
        return published_;
    }
    // The published frames of one room, decoded, in publish order.
    std::vector<v1::ServerFrame> frames(storage::room_id room) const {
        std::vector<v1::ServerFrame> out;
        for (const auto& ev : published()) {
            if (ev.room != room) continue;
            v1::ServerFrame f;
            if (ev.frame) f.ParseFromString(*ev.frame);
            out.push_back(std::move(f));
        }
        return out;
    }
    bool subscribed(storage::room_id room) const {
        std::lock_guard lock(mutex_);
        return subscribed_.contains(room);
    }
    int handlers_set() const {
        std::lock_guard lock(mutex_);
        return handlers_set_;
    }

  private:
    mutable std::mutex mutex_;
    handler handler_;
    int handlers_set_ = 0;
    std::set<storage::room_id> subscribed_;
    std::vector<call> calls_;
    std::vector<room_event> published_;
};

class recording_subscriber final : public subscriber {
  public:
    // Runs inside deliver(), on the delivering thread, before the event is recorded.
    std::function<void(const room_event&)> on_deliver;

    void deliver(const room_event& ev) override {
        if (on_deliver) on_deliver(ev);
        std::lock_guard lock(mutex_);
        events_.push_back(ev);
    }

    std::vector<room_event> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::vector<v1::ServerFrame> frames() const {
        std::vector<v1::ServerFrame> out;
        for (const auto& ev : events()) {
            v1::ServerFrame f;
            if (ev.frame) f.ParseFromString(*ev.frame);
            out.push_back(std::move(f));
        }
        return out;
    }
    std::vector<v1::MessageEvent> messages() const {
        std::vector<v1::MessageEvent> out;
        for (const auto& f : frames()) {
            if (f.body_case() == v1::ServerFrame::kMessage) out.push_back(f.message());
        }
        return out;
    }
    std::vector<v1::PresenceChange> presence() const {
        std::vector<v1::PresenceChange> out;
        for (const auto& f : frames()) {
            if (f.body_case() == v1::ServerFrame::kPresence) out.push_back(f.presence());
        }
        return out;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<room_event> events_;
};

inline room_event event_for(storage::room_id room, storage::seq_t seq, std::string bytes = {}) {
    return room_event{room, seq, std::make_shared<const std::string>(std::move(bytes))};
}

}  // namespace circles::rooms::testing
