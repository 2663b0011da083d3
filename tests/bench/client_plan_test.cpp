// Who connects where: the tokens file and the room grouping.
#include "circles/bench/client_plan.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

namespace circles::bench {
namespace {

TEST(ClientPlan, ReadsTokensSkippingCommentsAndBlankLines) {
    std::istringstream in(
        "# circles bench fixture: ROOM_INDEX ROOM_ID TOKEN\n"
        "\n"
        "0 17 tokenA\n"
        "0 17 tokenB\r\n"
        "1 18 tokenC\n");
    const auto plan = read_tokens(in);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].room_index, 0u);
    EXPECT_EQ(plan[0].room_id, 17u);
    EXPECT_EQ(plan[0].token, "tokenA");
    EXPECT_EQ(plan[1].token, "tokenB");
    EXPECT_EQ(plan[2].room_id, 18u);
}

TEST(ClientPlan, ABadLineIsNamedByNumberWithoutItsContent) {
    std::istringstream in("0 17 tokenA\n0 secret-token\n");
    try {
        read_tokens(in);
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("line 2"), std::string::npos);
        EXPECT_EQ(what.find("secret"), std::string::npos);
    }
    std::istringstream extra("0 17 tokenA trailing\n");
    EXPECT_THROW(read_tokens(extra), std::runtime_error);
}

TEST(ClientPlan, PlansRoomsBySize) {
    const auto plan = plan_rooms(14, 6);
    ASSERT_EQ(plan.size(), 14u);
    EXPECT_EQ(plan[5].room_index, 0u);
    EXPECT_EQ(plan[6].room_index, 1u);
    EXPECT_EQ(plan[13].room_index, 2u);
    const auto rooms = group_by_room(plan);
    ASSERT_EQ(rooms.size(), 3u);
    EXPECT_EQ(rooms[0].size(), 6u);
    EXPECT_EQ(rooms[2].size(), 2u);
    EXPECT_EQ(rooms[1].front(), 6u);
}

TEST(ClientPlan, GroupsSparseAndInterleavedRoomIndices) {
    std::vector<client_plan> plan(4);
    plan[0].room_index = 1'000'000'000;
    plan[1].room_index = 3;
    plan[2].room_index = 1'000'000'000;
    plan[3].room_index = 3;
    const auto rooms = group_by_room(plan);
    ASSERT_EQ(rooms.size(), 2u);
    EXPECT_EQ(rooms[0], (std::vector<std::uint32_t>{1, 3}));
    EXPECT_EQ(rooms[1], (std::vector<std::uint32_t>{0, 2}));
}

}  // namespace
}  // namespace circles::bench
