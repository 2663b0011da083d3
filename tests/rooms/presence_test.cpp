// Local presence: a user counts once however many connections they have in a room, and its
// listener hears each change once, in order, outside its lock.
#include "circles/rooms/presence.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace circles::rooms {
namespace {

member someone(storage::user_id id, std::string name, storage::role r = storage::role::student) {
    return member{id, std::move(name), r};
}

TEST(LocalPresence, FirstEnterAndLastExitAreReported) {
    auto p = make_local_presence();
    EXPECT_TRUE(p->enter(1, someone(10, "Blue Heron")));
    EXPECT_TRUE(p->exit(1, 10));
    EXPECT_TRUE(p->present(1).empty());
}

TEST(LocalPresence, SeveralConnectionsOfOneUserCountOnce) {
    auto p = make_local_presence();
    EXPECT_TRUE(p->enter(1, someone(10, "Blue Heron")));
    EXPECT_FALSE(p->enter(1, someone(10, "Blue Heron")));
    EXPECT_FALSE(p->enter(1, someone(10, "Blue Heron")));
    ASSERT_EQ(p->present(1).size(), 1u);

    EXPECT_FALSE(p->exit(1, 10));
    EXPECT_FALSE(p->exit(1, 10));
    ASSERT_EQ(p->present(1).size(), 1u) << "one tab is still open";
    EXPECT_TRUE(p->exit(1, 10));
    EXPECT_TRUE(p->present(1).empty());
}

TEST(LocalPresence, PresentListsMembersByUserId) {
    auto p = make_local_presence();
    p->enter(1, someone(30, "Red Fox", storage::role::counselor));
    p->enter(1, someone(10, "Blue Heron"));
    p->enter(1, someone(20, "Green Owl", storage::role::facilitator));
    const auto present = p->present(1);
    ASSERT_EQ(present.size(), 3u);
    EXPECT_EQ(present[0].id, 10);
    EXPECT_EQ(present[0].display_name, "Blue Heron");
    EXPECT_EQ(present[1].id, 20);
    EXPECT_EQ(present[1].user_role, storage::role::facilitator);
    EXPECT_EQ(present[2].id, 30);
    EXPECT_EQ(present[2].display_name, "Red Fox");
    EXPECT_EQ(present[2].user_role, storage::role::counselor);
}

TEST(LocalPresence, RoomsAreIndependent) {
    auto p = make_local_presence();
    EXPECT_TRUE(p->enter(1, someone(10, "Blue Heron")));
    EXPECT_TRUE(p->enter(2, someone(10, "Blue Heron")));
    EXPECT_TRUE(p->exit(1, 10));
    EXPECT_TRUE(p->present(1).empty());
    ASSERT_EQ(p->present(2).size(), 1u);
    EXPECT_EQ(p->present(2)[0].id, 10);
}

TEST(LocalPresence, ExitOfAnAbsentUserReportsNothing) {
    auto p = make_local_presence();
    EXPECT_FALSE(p->exit(1, 10));
    p->enter(1, someone(20, "Green Owl"));
    EXPECT_FALSE(p->exit(1, 10));
    EXPECT_EQ(p->present(1).size(), 1u);
}

TEST(LocalPresence, ReenterAfterLastExitIsFirstAgain) {
    auto p = make_local_presence();
    ASSERT_TRUE(p->enter(1, someone(10, "Blue Heron")));
    ASSERT_TRUE(p->exit(1, 10));
    EXPECT_TRUE(p->enter(1, someone(10, "Blue Heron")));
}

TEST(LocalPresence, UnknownRoomHasNobody) {
    auto p = make_local_presence();
    EXPECT_TRUE(p->present(42).empty());
}

// What a listener heard, as "+10" (user 10 came) and "-10" (left), room by room.
struct heard {
    std::mutex mutex;
    std::vector<std::string> changes;
    presence::change_listener listener() {
        return [this](storage::room_id room, const member& m, bool present) {
            std::lock_guard lock(mutex);
            changes.push_back(std::to_string(room) + (present ? "+" : "-") + std::to_string(m.id) +
                              " " + m.display_name);
        };
    }
};

TEST(LocalPresence, TheListenerHearsTheFirstEnterAndTheLastExit) {
    auto p = make_local_presence();
    heard h;
    p->on_change(h.listener());
    p->enter(1, someone(10, "Blue Heron"));
    p->enter(1, someone(10, "Blue Heron"));  // a second tab
    p->enter(2, someone(20, "Green Owl"));
    p->exit(1, 10);
    p->exit(1, 10);
    p->exit(1, 10);  // no longer there
    EXPECT_EQ(h.changes,
              (std::vector<std::string>{"1+10 Blue Heron", "2+20 Green Owl", "1-10 Blue Heron"}));

    p->on_change({});
    p->exit(2, 20);
    EXPECT_EQ(h.changes.size(), 3u) << "an emptied listener is not called";
}

// A connection's last reference may go while the room is being told, and its destructor
// leaves its rooms: a listener that exits (or enters) must not deadlock, and its own change
// is heard after the one being delivered.
TEST(LocalPresence, AListenerThatEntersOrExitsDoesNotDeadlock) {
    auto p = make_local_presence();
    heard h;
    auto record = h.listener();
    p->on_change([&](storage::room_id room, const member& m, bool present) {
        record(room, m, present);
        if (m.id == 10 && !present) p->exit(1, 20);
        if (m.id == 10 && present) p->enter(1, someone(30, "Red Fox"));
    });
    p->enter(1, someone(20, "Green Owl"));
    p->enter(1, someone(10, "Blue Heron"));
    p->exit(1, 10);
    EXPECT_EQ(h.changes,
              (std::vector<std::string>{"1+20 Green Owl", "1+10 Blue Heron", "1+30 Red Fox",
                                        "1-10 Blue Heron", "1-20 Green Owl"}));
    ASSERT_EQ(p->present(1).size(), 1u);
    EXPECT_EQ(p->present(1)[0].id, 30);
    p->on_change({});
}

// Threads entering and leaving one room at once: for each user the listener hears whole
// visits, in order, and ends on whatever present() says.
TEST(LocalPresence, ConcurrentChangesAreHeardInTheOrderTheyHappened) {
    auto p = make_local_presence();
    std::mutex mutex;
    std::vector<std::string> per_user(4);
    p->on_change([&](storage::room_id, const member& m, bool present) {
        std::lock_guard lock(mutex);
        per_user[static_cast<std::size_t>(m.id)] += present ? '+' : '-';
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&p, t] {
            // Threads t and t^1 share a user: their tabs overlap at random.
            const storage::user_id user = t / 2;
            for (int i = 0; i < 2000; ++i) {
                p->enter(1, someone(user, "User"));
                p->exit(1, user);
            }
        });
    }
    for (auto& t : threads) t.join();
    p->on_change({});
    EXPECT_TRUE(p->present(1).empty());
    for (storage::user_id user = 0; user < 2; ++user) {
        const auto& story = per_user[static_cast<std::size_t>(user)];
        ASSERT_FALSE(story.empty());
        ASSERT_EQ(story.size() % 2, 0u);
        for (std::size_t i = 0; i < story.size(); ++i) {
            ASSERT_EQ(story[i], i % 2 == 0 ? '+' : '-') << "user " << user << " change " << i;
        }
    }
}

TEST(LocalPresence, MemberOfShowsThePseudonymNotTheUsername) {
    storage::user u;
    u.id = 7;
    u.username = "jsmith2027";
    u.display_name = "Quiet Otter";
    u.user_role = storage::role::facilitator;
    const member m = member_of(u);
    EXPECT_EQ(m.id, 7);
    EXPECT_EQ(m.display_name, "Quiet Otter");
    EXPECT_EQ(m.user_role, storage::role::facilitator);
}

}  // namespace
}  // namespace circles::rooms
