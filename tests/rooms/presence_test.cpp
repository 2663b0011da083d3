// Local presence: a user counts once however many connections they have in a room.
#include "circles/rooms/presence.hpp"

#include <gtest/gtest.h>

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
