// The SQLite store's cache of send checks (storage/src/send_check_cache.hpp): a read is served
// only at the generation it was taken at, so a read that raced a directory commit never is.
#include "send_check_cache.hpp"

#include <gtest/gtest.h>

namespace circles::storage::detail {
namespace {

send_check member_of(room_id room, std::int64_t muted_until_ms = 0) {
    send_check c;
    c.r.id = room;
    c.member = true;
    c.posting.muted_until_ms = muted_until_ms;
    return c;
}

TEST(SendCheckCache, AReadIsServedUntilTheNextInvalidation) {
    send_check_cache cache;
    EXPECT_FALSE(cache.find(1, 7));
    cache.put(1, 7, cache.generation(), member_of(1, 1234));
    auto kept = cache.find(1, 7);
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->r.id, 1);
    EXPECT_EQ(kept->posting.muted_until_ms, 1234);
    EXPECT_FALSE(cache.find(1, 8));  // per sender
    EXPECT_FALSE(cache.find(2, 7));  // per room

    cache.invalidate();
    EXPECT_FALSE(cache.find(1, 7));
}

TEST(SendCheckCache, AReadThatRacedACommitIsNeverServed) {
    send_check_cache cache;
    // The reader takes the generation, the directory commits and invalidates, then the reader
    // stores what it read (the state before that commit).
    const auto read_at = cache.generation();
    cache.invalidate();
    cache.put(1, 7, read_at, member_of(1));
    EXPECT_FALSE(cache.find(1, 7));
    // Read again after the commit: served.
    cache.put(1, 7, cache.generation(), member_of(1));
    EXPECT_TRUE(cache.find(1, 7));
}

TEST(SendCheckCache, OneEntryPastTheLimitEmptiesItAndItFillsAgain) {
    send_check_cache cache;
    const auto g = cache.generation();
    for (std::size_t i = 0; i < send_check_cache::max_entries; ++i) {
        cache.put(static_cast<room_id>(i), 1, g, member_of(static_cast<room_id>(i)));
    }
    EXPECT_EQ(cache.size(), send_check_cache::max_entries);
    cache.put(0, 1, g, member_of(0));  // already kept: replaced, nothing dropped
    EXPECT_EQ(cache.size(), send_check_cache::max_entries);
    cache.put(-1, 1, g, member_of(-1));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_TRUE(cache.find(-1, 1));
    EXPECT_FALSE(cache.find(0, 1));
}

}  // namespace
}  // namespace circles::storage::detail
