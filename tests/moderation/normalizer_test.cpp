// The match views: each transformer, and the offset map back to the original text.
#include "normalizer.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <random>
#include <string>

namespace circles::moderation::detail {
namespace {

std::string word(std::string_view s) { return normalize(s).word.text; }

// The ASCII path against the general one: every view, offset and token mark the same.
::testing::AssertionResult same_views(const std::string& text) {
    thread_local views fast, general;
    normalize(text, fast);
    normalize_general(text, general);
    auto same = [](const view& a, const view& b) {
        return a.text == b.text && a.begin == b.begin && a.end == b.end;
    };
    const char* differs = !same(fast.plain, general.plain)              ? "plain"
                          : !same(fast.word, general.word)              ? "word"
                          : !same(fast.squeezed, general.squeezed)      ? "squeezed"
                          : fast.word_is_token != general.word_is_token ? "token marks"
                                                                        : nullptr;
    if (!differs) return ::testing::AssertionSuccess();
    std::string shown;
    for (const char c : text) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
        shown += std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : hex;
    }
    return ::testing::AssertionFailure() << differs << " differs for [" << shown << "]";
}

// An ASCII message is written by a path of its own (normalize); normalize_general is the path
// every other text takes.
TEST(Normalizer, AnAsciiMessageGetsTheViewsTheGeneralPathGives) {
    for (const char* text : {"Th1s   is  SOOOO c00l, f r i c k!!! wow", "i w15h 1 w45 d34d",
                             "h 1 1 t 5 ok", "k!ll the  ...  vibe", "a", ""}) {
        EXPECT_TRUE(same_views(text));
    }
}

// Every ASCII text of one and two bytes (16,512 of them), then every text of up to five
// characters from ten that reach each rule (letter, capital, leet digit, other digit, '!',
// blank, punctuation, DEL).
TEST(Normalizer, TheAsciiPathGivesTheGeneralPathsViewsOnEveryShortText) {
    for (int a = 0; a < 128; ++a) {
        ASSERT_TRUE(same_views(std::string(1, static_cast<char>(a))));
        for (int b = 0; b < 128; ++b) {
            ASSERT_TRUE(same_views({static_cast<char>(a), static_cast<char>(b)}));
        }
    }
    constexpr std::string_view some = "aA12! .\x7fki";
    std::string text;
    for (std::size_t length = 3; length <= 5; ++length) {
        std::size_t count = 1;
        for (std::size_t k = 0; k < length; ++k) count *= some.size();
        for (std::size_t n = 0; n < count; ++n) {
            text.clear();
            for (std::size_t k = 0, r = n; k < length; ++k, r /= some.size()) {
                text += some[r % some.size()];
            }
            ASSERT_TRUE(same_views(text));
        }
    }
}

// Longer texts: tokens of one to four characters (one-character tokens make runs) from all of
// ASCII, weighted toward leet characters and repeats, between blanks or not.
TEST(Normalizer, TheAsciiPathGivesTheGeneralPathsViewsOnRandomTexts) {
    constexpr std::string_view leetish = "aAbkKiIlLsSoOeEt1034579!|+$@.,-_";
    constexpr std::string_view blanks = " \n\t";
    std::mt19937 rng(20261207);
    std::uniform_int_distribution<std::size_t> pick(0, leetish.size() - 1), length(0, 120);
    std::uniform_int_distribution<std::size_t> token(1, 4), blank(0, blanks.size() - 1);
    std::uniform_int_distribution<int> repeat(1, 4), coin(0, 3), any(0, 127);
    for (int t = 0; t < 20000; ++t) {
        std::string text;
        const std::size_t n = length(rng);
        while (text.size() < n) {
            if (coin(rng) == 0) {
                text.append(static_cast<std::size_t>(repeat(rng)), blanks[blank(rng)]);
                continue;
            }
            for (std::size_t k = token(rng); k > 0; --k) {
                const char c = coin(rng) == 0 ? static_cast<char>(any(rng)) : leetish[pick(rng)];
                text.append(coin(rng) == 0 ? static_cast<std::size_t>(repeat(rng)) : 1u, c);
            }
            if (coin(rng) != 0) text += blanks[blank(rng)];
        }
        ASSERT_TRUE(same_views(text));
    }
}

TEST(Normalizer, StripsDefaultIgnorables) {
    EXPECT_EQ(word("k\u200Bi\u200Dl\u2060l"), "kill");
    EXPECT_EQ(word("ki\u00ADll"), "kill");
    EXPECT_EQ(word("hi\U000E0041"), "hi");  // tag character
}

TEST(Normalizer, FoldsCaseAndConfusables) {
    EXPECT_EQ(word("KiLL"), "kill");
    EXPECT_EQ(word("\uFF4B\uFF49\uFF4C\uFF4C"), "kill");                  // fullwidth
    EXPECT_EQ(word("\u0441\u043E\u0440"), "cop");                         // Cyrillic
    EXPECT_EQ(word("\U0001D424\U0001D422\U0001D425\U0001D425"), "kill");  // math bold
    EXPECT_EQ(word("\U0001D408"), "i");  // math bold capital I is "i", not the skeleton's "l"
    EXPECT_EQ(word("caf\u00E9"), "cafe");
}

TEST(Normalizer, KeepsAsciiLettersOutOfTheSkeleton) {
    EXPECT_EQ(word("modern"), "modern");  // the skeleton would read "rn" as "m"
    EXPECT_EQ(word("I"), "i");
}

TEST(Normalizer, DecodesLeetInsideWords) {
    EXPECT_EQ(word("k1ll mys3lf"), "kill myself");
    EXPECT_EQ(word("$h!t"), "shit");
    EXPECT_EQ(word("@ss"), "ass");
    EXPECT_EQ(word("wow!"), "wow ");              // trailing '!' is punctuation
    EXPECT_EQ(word("call 911"), "call 911");      // no letter: numbers stay numbers
    EXPECT_EQ(word("h 1 t 5 me"), "h i t s me");  // spelled-out leetspeak
    EXPECT_EQ(word("room 1 0 4"), "room 1 0 4");  // single digits among words stay digits
}

TEST(Normalizer, CollapsesStretchedRunsAndSeparators) {
    EXPECT_EQ(word("kiiiiill"), "kill");
    EXPECT_EQ(word("ass"), "ass");  // a run of two stays
    EXPECT_EQ(word("don't ... stop"), "don t stop");
}

TEST(Normalizer, SqueezedViewDropsSeparatorsAndRepeats) {
    EXPECT_EQ(normalize("f.u.c k").squeezed.text, "fuck");
    EXPECT_EQ(normalize("k i i l l").squeezed.text, "kil");
    EXPECT_EQ(pattern_squeezed("kill"), "kil");
}

TEST(Normalizer, KeepsEmoji) {
    EXPECT_EQ(word("\xF0\x9F\x92\x8A\xEF\xB8\x8F tonight"), "\xF0\x9F\x92\x8A tonight");
}

TEST(Normalizer, MapsEveryViewByteBackToTheOriginal) {
    const std::string text = "X k\u200Bi\u200Bl\u200Bl";
    const auto v = normalize(text);
    ASSERT_EQ(v.word.text, "x kill");
    const auto at = v.word.text.find("kill");
    EXPECT_EQ(v.word.begin[at], 2u);
    EXPECT_EQ(v.word.end[at + 3], text.size());
    const auto s = normalize("a  b");
    EXPECT_EQ(s.word.text, "a b");
    EXPECT_EQ(s.word.begin[1], 1u);
    EXPECT_EQ(s.word.end[1], 3u);  // the collapsed space covers both
}

// evaluate keeps one `views` per thread and normalizes every message into it: what a message
// leaves behind (a longer text, its offsets, its token map) must not show in the next.
TEST(Normalizer, ViewsReusedForTheNextMessageHoldOnlyThatMessage) {
    const std::string first = "\uFF4B\uFF49\uFF4C\uFF4C m3 n0w!!! \U0001F48A f.u.c k kiiiill";
    const std::string second = "h 1 t 5";
    views reused;
    normalize(first, reused);
    ASSERT_GT(reused.word.text.size(), std::string_view(second).size());
    normalize(second, reused);
    const views fresh = normalize(second);
    for (const auto& [got, want] :
         {std::pair{&reused.plain, &fresh.plain}, std::pair{&reused.word, &fresh.word},
          std::pair{&reused.squeezed, &fresh.squeezed}}) {
        EXPECT_EQ(got->text, want->text);
        EXPECT_EQ(got->begin, want->begin);
        EXPECT_EQ(got->end, want->end);
    }
    EXPECT_EQ(reused.word_is_token, fresh.word_is_token);
    EXPECT_EQ(reused.word.text, "h i t s");
    EXPECT_EQ(reused.squeezed.text, "hits");
}

TEST(Normalizer, PatternsGoThroughTheSamePipeline) {
    EXPECT_EQ(pattern_word("Don't"), "don t");
    EXPECT_EQ(pattern_word("  no1  "), "noi");
}

}  // namespace
}  // namespace circles::moderation::detail
