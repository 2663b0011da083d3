// Ground-rule matching: keyword forms, allow-lists, masking, evasion, the Scunthorpe problem.
#include <gtest/gtest.h>

#include <fstream>

#include "matcher.hpp"
#include "test_policy.hpp"

namespace circles::moderation {
namespace {

using testing::base_toml;
using testing::check;

const policy& forms_policy() {
    static const policy p = parse_policy(base_toml() + R"(
[[rules]]
id = "forms"
action = "mask"
ground_rule = 1
keywords = ["frick", "dang*", "*bark", "*zork*", "bad word"]
allow = ["frick frack"]
squeezed = true

[[rules]]
id = "codes"
action = "hold"
ground_rule = 1
regexes = ["code\\s*\\d{4}"]
)");
    return p;
}

action act(std::string_view text) { return check(text, {}, forms_policy()).act; }

TEST(Matching, WholeWordKeyword) {
    EXPECT_EQ(act("oh frick"), action::mask);
    EXPECT_EQ(act("fricking"), action::allow);
    EXPECT_EQ(act("africk"), action::allow);
}

TEST(Matching, PrefixSuffixAndAnywhereForms) {
    EXPECT_EQ(act("dangit"), action::mask);
    EXPECT_EQ(act("oldang"), action::allow);
    EXPECT_EQ(act("skybark"), action::mask);
    EXPECT_EQ(act("barking"), action::allow);
    EXPECT_EQ(act("azorkb"), action::mask);
    EXPECT_EQ(act("a bad word"), action::mask);
}

TEST(Matching, RegexRulesRunOnThePlainView) {
    EXPECT_EQ(act("my CODE 1234"), action::hold);
    EXPECT_EQ(act("my code 12"), action::allow);
}

// Each view is scanned by its own patterns alone: a regex anchored at both ends matches the
// message as written, and nothing matches across from one view into another.
TEST(Matching, AnchoredRegexesMatchTheWholeMessage) {
    static const policy p = parse_policy(base_toml() + R"(
[[rules]]
id = "whole"
action = "hold"
ground_rule = 1
regexes = ["^meet me at \\d+$"]
)");
    EXPECT_EQ(check("meet me at 3", {}, p).act, action::hold);
    EXPECT_EQ(check("Meet me at 330", {}, p).act, action::hold);
    EXPECT_EQ(check("meet me at 3 ok", {}, p).act, action::allow);
    EXPECT_EQ(check("so meet me at 3", {}, p).act, action::allow);
}

// A scan Hyperscan refuses is an error, not an empty result: a scan started from inside a
// match on the same thread finds the thread's scratch in use.
TEST(Matching, AFailedScanIsAnErrorNotNoMatch) {
    const detail::matcher m({{"x", 0, 0}});
    int outer = 0;
    int code = 0;
    auto on_match = [&](unsigned, unsigned long long, unsigned long long) {
        ++outer;
        auto inner = [](unsigned, unsigned long long, unsigned long long) {};
        try {
            m.scan("x", inner);
        } catch (const detail::scan_error& e) {
            code = e.code;
        }
    };
    m.scan("x", on_match);
    EXPECT_EQ(outer, 1);
    EXPECT_EQ(code, HS_SCRATCH_IN_USE);
    int after = 0;
    auto count = [&](unsigned, unsigned long long, unsigned long long) { ++after; };
    m.scan("x x", count);  // the scratch is free again
    EXPECT_EQ(after, 2);
}

// An exception thrown by the match handler stops the scan and reaches the caller, and the
// thread's scratch is free for the next scan.
TEST(Matching, AnExceptionInAMatchHandlerReachesTheCaller) {
    const detail::matcher m({{"x", 0, 0}});
    int calls = 0;
    auto throwing = [&](unsigned, unsigned long long, unsigned long long) {
        ++calls;
        throw std::length_error("no room");
    };
    EXPECT_THROW(m.scan("x x x", throwing), std::length_error);
    EXPECT_EQ(calls, 1);
    int after = 0;
    auto count = [&](unsigned, unsigned long long, unsigned long long) { ++after; };
    m.scan("x x", count);
    EXPECT_EQ(after, 2);
}

// What the matcher could not check is held for a facilitator, never passed: here a real
// Hyperscan failure (evaluate run while this thread's scratch is in use).
TEST(Matching, ATextTheMatcherFailsOnIsHeldNotPassed) {
    ASSERT_EQ(check("see you at lunch").act, action::allow);  // the policy compiled first
    const detail::matcher m({{"x", 0, 0}});
    std::vector<decision> seen;
    auto on_match = [&](unsigned, unsigned long long, unsigned long long) {
        seen.push_back(check("see you at lunch"));
        seen.push_back(check("i want to kill myself"));
    };
    m.scan("x", on_match);
    ASSERT_EQ(seen.size(), 2u);
    for (const auto& d : seen) {
        EXPECT_EQ(d.act, action::hold);
        EXPECT_EQ(d.rule_id, unscanned_rule);
        EXPECT_EQ(d.categories, std::vector<std::string>{"unscanned"});
        EXPECT_FALSE(d.fault.empty());
        EXPECT_NE(d.reply.find("held for review"), std::string::npos);
    }
    // Once the scratch is free the same texts are checked as usual.
    EXPECT_EQ(check("see you at lunch").act, action::allow);
    EXPECT_TRUE(check("see you at lunch").fault.empty());
    EXPECT_TRUE(check("i want to kill myself").escalate);
}

TEST(Matching, AllowListDropsHitsInsideAllowedSpans) {
    EXPECT_EQ(act("frick frack"), action::allow);
    EXPECT_EQ(act("frick frack and frick"), action::mask);
}

TEST(Matching, SurvivesEvasion) {
    EXPECT_EQ(act("FR1CK"), action::mask);
    EXPECT_EQ(act("f\u200Br\u200Bi\u200Bc\u200Bk"), action::mask);
    EXPECT_EQ(act("frrrrick"), action::mask);
    EXPECT_EQ(act("f r i c k"), action::mask);  // squeezed view
    EXPECT_EQ(act("f.r.i.c.k"), action::mask);
    EXPECT_EQ(act("\uFF46\uFF52\uFF49\uFF43\uFF4B"), action::mask);
}

TEST(Matching, MasksTheOriginalText) {
    const auto d = check("oh FR1CK you", {}, forms_policy());
    EXPECT_EQ(d.masked_text, "oh ***** you");
    const auto z = check("oh f\u200Br\u200Bi\u200Bc\u200Bk!", {}, forms_policy());
    EXPECT_EQ(z.masked_text, "oh *********!");  // each code point of the match
    EXPECT_EQ(check("f r i c k it", {}, forms_policy()).masked_text, "* * * * * it");
}

TEST(Matching, DefaultPolicyCategories) {
    EXPECT_EQ(check("what the fuck").act, action::mask);
    EXPECT_EQ(check("f u c k this").act, action::mask);
    EXPECT_EQ(check("send nudes").act, action::hold);
    EXPECT_EQ(check("n i g g e r").act, action::block);
    const auto d = check("you retard");
    EXPECT_EQ(d.act, action::block);
    EXPECT_EQ(d.ground_rule, 2);
    EXPECT_NE(d.reply.find("ground rule 2"), std::string::npos) << d.reply;
    EXPECT_EQ(check("you're such a loser").act, action::mask);
}

TEST(Matching, PrecedenceBlockOverHoldOverMask) {
    const auto d = check("fuck you retard, call 555-123-4567");
    EXPECT_EQ(d.act, action::block);
    EXPECT_EQ(d.rule_id, "slurs");
    EXPECT_EQ(check("fuck, send nudes").act, action::hold);
}

TEST(Matching, ScunthorpeWordsPass) {
    for (const char* text :
         {"Scunthorpe", "assessment", "therapist",  "cocktail",  "classic",  "Dick Van Dyke",
          "class",      "analysis",   "grape",      "shitake",   "Niger",    "Essex",
          "Sussex",     "passage",    "cumulative", "retardant", "hello",    "Penistone",
          "arsenal",    "bass",       "titan",      "spicy",     "document", "scrap",
          "Moby Dick",  "cum laude",  "pen is",     "an album"}) {
        EXPECT_EQ(check(text).act, action::allow) << text;
    }
}

TEST(Matching, IdentityStatementsPassEverywhere) {
    for (const char* kind : {"", "gsa", "social_group", "disability", "unknown"}) {
        for (const char* text :
             {"I'm gay and proud", "I am a trans student", "my autistic friend",
              "we're queer and proud", "I'm bi and black", "I'm a disabled latina",
              "as a deaf muslim student", "my nonbinary friend", "i'm ace", "I'm a lesbian",
              "being non-binary is valid", "I use a wheelchair", "g a y and proud"}) {
            const auto d = check(text, kind);
            EXPECT_EQ(d.act, action::allow) << kind << ": " << text;
            EXPECT_FALSE(d.escalate) << kind << ": " << text;
        }
    }
}

TEST(Matching, DictionarySweepBlocksOrHoldsAlmostNothing) {
    std::ifstream words("/usr/share/dict/american-english");
    if (!words) GTEST_SKIP() << "wamerican not installed";
    std::size_t total = 0, stopped = 0;
    std::string w, examples;
    while (std::getline(words, w)) {
        ++total;
        const auto d = check(w);
        if (d.act == action::block || d.act == action::hold) {
            ++stopped;
            if (examples.size() < 400) examples += w + " ";
        }
    }
    ASSERT_GT(total, 50000u);
    EXPECT_LE(stopped * 1000, total) << stopped << " of " << total << ": " << examples;
}

}  // namespace
}  // namespace circles::moderation
