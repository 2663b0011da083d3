// The tag every benchmark message carries, and the text it is sent with.
#include "circles/bench/message_tag.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>

namespace circles::bench {
namespace {

TEST(MessageTag, RoundTrips) {
    const message_tag t{42, 7, 123'456'789'012};
    EXPECT_EQ(format_tag(t), "b1.42.7.123456789012");
    EXPECT_EQ(parse_tag(format_tag(t)), t);
}

TEST(MessageTag, TheLargestTagFitsAClientMsgId) {
    const message_tag t{std::numeric_limits<std::uint32_t>::max(),
                        std::numeric_limits<std::uint32_t>::max(),
                        std::numeric_limits<std::int64_t>::max()};
    EXPECT_LE(format_tag(t).size(), 64u);
    EXPECT_EQ(parse_tag(format_tag(t)), t);
}

TEST(MessageTag, RefusesWhatItDidNotWrite) {
    for (const char* s :
         {"", "b1.", "b1.1.2", "b1.1.2.", "b1.1..3", "b2.1.2.3", "b1.1.2.3.4", "b1.-1.2.3",
          "b1.1.2.-3", "b1.1.2.3x", "0f8fad5b-d9cb-469f-a165", "b1.99999999999.1.1"}) {
        EXPECT_FALSE(parse_tag(s).has_value()) << s;
    }
}

TEST(MessageTag, FillerTextHasTheAskedSizeAndNoDigits) {
    for (std::size_t n : {8u, 64u, 100u, 1000u}) {
        const auto text = filler_text(n);
        EXPECT_EQ(text.size(), n);
        EXPECT_TRUE(
            std::none_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }));
        EXPECT_NE(text.find_first_not_of(' '), std::string::npos);
    }
}

TEST(MessageTag, VariedTextDiffersPerSeqKeepsItsSizeAndHasNoDigits) {
    const auto base = filler_text(64);
    std::set<std::string> seen;
    for (std::uint64_t seq : {0u, 1u, 25u, 26u, 27u, 700u, 123456u}) {
        const auto text = varied_text(base, seq);
        EXPECT_EQ(text.size(), base.size()) << seq;
        EXPECT_TRUE(
            std::none_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }));
        EXPECT_TRUE(seen.insert(text).second) << "seq " << seq << " repeats an earlier text";
    }
}

}  // namespace
}  // namespace circles::bench
