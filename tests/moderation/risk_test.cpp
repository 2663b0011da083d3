// Risk detection: every signal escalates with a supportive reply; a disclosure is never
// blocked; evasions still escalate; idioms may escalate but are never stopped.
#include <gtest/gtest.h>

#include <thread>

#include "test_policy.hpp"

namespace circles::moderation {
namespace {

using testing::check;

void expect_escalated(std::string_view text, std::string_view kind = {}) {
    const auto d = check(text, kind);
    EXPECT_TRUE(d.escalate) << text;
    EXPECT_NE(d.act, action::block) << text;
    EXPECT_NE(d.reply.find("988"), std::string::npos) << text;
    EXPECT_EQ(d.reply.find("commit suicide"), std::string::npos);
}

TEST(Risk, SelfHarmPhrasesMethodsAndEmoji) {
    for (const char* t :
         {"i want to kill myself", "kms", "i want to unalive myself",
          "i won't be around much longer", "everyone would be better off without me",
          "i want to end it all", "i've been saving my pills", "thinking of taking 800mg",
          "how much acetaminophen does it take", "antifreeze in the garage",
          "saving these \xF0\x9F\x92\x8A", "\xF0\x9F\x94\xAA", "\xF0\x9F\xAA\xA2",
          "i'm going to overdose", "i'd rather be dead", "i've been cutting myself again"}) {
        expect_escalated(t);
        EXPECT_EQ(check(t).categories.front(), "self_harm") << t;
    }
}

TEST(Risk, AbuseThreatsAndBullying) {
    for (const char* t : {"my stepdad hits me when he drinks",
                          "he touched me and told me not to tell", "i was raped", "he raped me"})
        expect_escalated(t);
    for (const char* t :
         {"i'm bringing a knife to school tomorrow", "i'm going to shoot up the school"})
        expect_escalated(t);
    for (const char* t : {"just kys already", "go kill yourself", "nobody wants you here, go die"})
        expect_escalated(t);
}

TEST(Risk, EvasionsStillEscalate) {
    for (const char* t :
         {"k1ll mys3lf", "k\u200Bi\u200Bl\u200Bl myself", "k i l l myself", "k.i.l.l m.y.s.e.l.f",
          "kiiiiill myseeeeelf", "KiLl MySeLf",
          "\uFF4B\uFF49\uFF4C\uFF4C \uFF4D\uFF59\uFF53\uFF45\uFF4C\uFF46", "\u0441ut myself",
          "su\u00ADi\u00ADcidal", "i want to d i e",
          "\U0001D42E\U0001D427\U0001D41A\U0001D425\U0001D422\U0001D42F\U0001D41E myself"})
        expect_escalated(t);
}

// A spelled-out word whose first or last letter repeats the neighbouring word's ("to" +
// "o v e r d o s e", "s u i c i d a l" + "lately") still counts as a whole word.
TEST(Risk, SpelledOutWordsNextToWordsSharingALetter) {
    for (const char* t :
         {"i'm going to o v e r d o s e", "i've been feeling s u i c i d a l lately",
          "nobody would even notice if i d.i.e.d", "i was s e x u a l l y a s s a u l t e d",
          "he threw me a g a i n s t the wall"})
        expect_escalated(t);
}

// Leetspeak spelled out letter by letter ("h 1 1 t 5") is decoded like "h11t5".
TEST(Risk, SpacedLeetspeakStillEscalates) {
    for (const char* t : {"my stepdad h 1 1 1 1 t 5 me", "i want to u n 4 l 1 v 3 myself",
                          "i'll 5 t 4 b jake if he says that again"})
        expect_escalated(t);
    // Digits alone are not leetspeak: a phone-number-like answer stays digits.
    EXPECT_FALSE(check("room 1 0 4 at 3").escalate);
}

TEST(Risk, DisclosureIsNeverBlockedEvenWithABlockedWord) {
    const auto d = check("he raped me, that fucking retard");
    EXPECT_TRUE(d.escalate);
    EXPECT_EQ(d.act, action::hold);
    const auto only = check("my dad hits me");
    EXPECT_EQ(only.act, action::allow);
    EXPECT_TRUE(only.escalate);
}

// A school may hold every disclosure for its facilitator: still escalated, with support, but
// not shown to the group until approved. Other risk signals and ordinary chat are untouched.
TEST(Risk, HoldDisclosuresHoldsThemForTheFacilitator) {
    std::string toml = testing::base_toml();
    const auto at = toml.find("[crisis]");
    ASSERT_NE(at, std::string::npos);
    toml.insert(toml.find('\n', at) + 1, "hold_disclosures = true\n");
    const policy p = parse_policy(toml);
    const auto d = check("my dad hits me", {}, p);
    EXPECT_EQ(d.act, action::hold);
    EXPECT_TRUE(d.escalate);
    EXPECT_NE(d.reply.find("held for review"), std::string::npos) << d.reply;
    EXPECT_EQ(check("i want to kill myself", {}, p).act, action::hold);
    EXPECT_EQ(check("see you at lunch", {}, p).act, action::allow);
    EXPECT_THROW(parse_policy(toml.replace(toml.find("= true"), 6, "= \"yes\"")), policy_error);
}

TEST(Risk, IdiomsAndNegationAreNeverStopped) {
    for (const char* t :
         {"i could kill for pizza", "i'd never hurt myself", "this homework is killing me",
          "i'm dead, that's so funny", "we killed it at the concert"}) {
        const auto d = check(t);
        EXPECT_NE(d.act, action::block) << t;
        EXPECT_NE(d.act, action::hold) << t;
    }
    EXPECT_FALSE(check("i could kill for pizza").escalate);
}

TEST(Risk, OrdinaryChatDoesNotEscalate) {
    for (const char* t : {"hi everyone, how was the test?", "I'm gay and proud", "my trans friend",
                          "see you at lunch", "i love this group"})
        EXPECT_FALSE(check(t).escalate) << t;
}

TEST(Risk, ConcurrentEvaluateAgrees) {
    const policy p;
    const std::vector<std::string> texts = {"i want to kill myself", "hello there", "fuck this",
                                            "call 555-123-4567", "you retard"};
    std::vector<decision> expected;
    for (const auto& t : texts) expected.push_back(evaluate(p, "gsa", testing::student, t));
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 4; ++n)
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                const auto& t = texts[i % texts.size()];
                const auto d = evaluate(p, (i % 2) ? "gsa" : "", testing::student, t);
                const auto& e = expected[i % texts.size()];
                if (d.act != e.act || d.escalate != e.escalate) ++mismatches;
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace circles::moderation
