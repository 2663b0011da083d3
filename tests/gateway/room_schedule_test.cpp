// `circles admin room-schedule`: slots are parsed from what an admin types, refused with the
// slot named when wrong, sorted, and printed back in the same form.
#include <gtest/gtest.h>

#include <stdexcept>

#include "circles/gateway/admin_command.hpp"

namespace circles::gateway {
namespace {

TEST(RoomSchedule, ParsesSortsAndFormatsSlots) {
    const auto slots = parse_weekly_slots("thu 15:30 45,  Tuesday 12:10 40, mon 08:05 30");
    ASSERT_EQ(slots.size(), 3u);
    EXPECT_EQ(slots[0], (storage::weekly_slot{1, 8 * 60 + 5, 30}));
    EXPECT_EQ(slots[1], (storage::weekly_slot{2, 12 * 60 + 10, 40}));
    EXPECT_EQ(slots[2], (storage::weekly_slot{4, 15 * 60 + 30, 45}));
    EXPECT_EQ(format_weekly_slots(slots), "mon 08:05 30, tue 12:10 40, thu 15:30 45");
    EXPECT_EQ(parse_weekly_slots(format_weekly_slots(slots)), slots);
    EXPECT_TRUE(parse_weekly_slots("none").empty());
    EXPECT_TRUE(parse_weekly_slots("").empty());
}

TEST(RoomSchedule, RefusesWhatIsWrongNamingTheSlot) {
    for (const char* bad :
         {"tue 12:10", "xyz 12:10 40", "tue 24:00 40", "tue 12:60 40", "tue 12:10 0",
          "tue 12:10 721", "tue 1210 40", "tue 12:10 40,,", "tue 12:10 4o"}) {
        try {
            parse_weekly_slots(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find("--slots"), std::string::npos) << e.what();
        }
    }
    std::string many;
    for (int i = 0; i < 29; ++i) many += "mon 08:00 10,";
    many.pop_back();
    EXPECT_THROW(parse_weekly_slots(many), std::invalid_argument);
}

}  // namespace
}  // namespace circles::gateway
