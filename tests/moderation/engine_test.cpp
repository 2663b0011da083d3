// evaluate() and valid_utf8(): the limits every message passes before any ground rule.
#include "circles/moderation/engine.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace circles::moderation {

// Readable failure messages: gtest finds these by argument-dependent lookup.
void PrintTo(action a, std::ostream* os) { *os << to_string(a); }
void PrintTo(limit_violation v, std::ostream* os) {
    switch (v) {
        case limit_violation::none:
            *os << "none";
            return;
        case limit_violation::empty:
            *os << "empty";
            return;
        case limit_violation::too_large:
            *os << "too_large";
            return;
        case limit_violation::invalid_utf8:
            *os << "invalid_utf8";
            return;
    }
    *os << "limit_violation(" << static_cast<int>(v) << ")";
}

namespace {

const sender student{42, "student"};

decision check(std::string_view text, const policy& p = {}) { return evaluate(p, student, text); }

void expect_allowed(std::string_view text) {
    const auto d = check(text);
    EXPECT_EQ(d.act, action::allow) << "text: " << text;
    EXPECT_EQ(d.limit, limit_violation::none) << "text: " << text;
    EXPECT_FALSE(d.escalate);
    EXPECT_TRUE(d.rule_id.empty());
    EXPECT_TRUE(d.reply.empty());
}

void expect_stopped(std::string_view text, limit_violation why, const policy& p = {}) {
    const auto d = check(text, p);
    SCOPED_TRACE(::testing::Message() << "text of " << text.size() << " bytes");
    EXPECT_EQ(d.act, action::block);
    EXPECT_EQ(d.limit, why);
    EXPECT_FALSE(d.reply.empty()) << "a stopped sender is told why";
}

TEST(ModerationEngine, AllowsOrdinaryText) {
    expect_allowed("hi everyone, how was the test?");
    expect_allowed("x");
    expect_allowed("  leading and trailing spaces  ");
}

TEST(ModerationEngine, AllowsNonAsciiText) {
    expect_allowed("caf\xC3\xA9 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9");     // accented
    expect_allowed("\xF0\x9F\x8C\x88\xF0\x9F\x92\x9C good vibes");       // emoji
    expect_allowed("\xE4\xBD\xA0\xE5\xA5\xBD");                          // CJK
    expect_allowed("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Cyrillic
    expect_allowed("\xF4\x8F\xBF\xBF");                                  // U+10FFFF
}

TEST(ModerationEngine, AllowsIdentityStatements) {
    expect_allowed("I'm gay and proud");
    expect_allowed("I'm trans and this is my space too");
}

TEST(ModerationEngine, AllowsTextExactlyAtTheLimit) {
    policy p;
    p.max_message_bytes = 10;
    const auto d = check(std::string(10, 'a'), p);
    EXPECT_EQ(d.act, action::allow);
    EXPECT_EQ(d.limit, limit_violation::none);
}

TEST(ModerationEngine, BlocksTextOneByteOverTheLimit) {
    policy p;
    p.max_message_bytes = 10;
    expect_stopped(std::string(11, 'a'), limit_violation::too_large, p);
}

TEST(ModerationEngine, DefaultLimitIsMaxMessageBytes) {
    EXPECT_EQ(check(std::string(max_message_bytes, 'a')).act, action::allow);
    expect_stopped(std::string(max_message_bytes + 1, 'a'), limit_violation::too_large);
}

TEST(ModerationEngine, LimitCountsBytesNotCharacters) {
    policy p;
    p.max_message_bytes = 4;
    // Two two-byte characters fit exactly; a third does not, although it is only 3 chars.
    EXPECT_EQ(check("\xC3\xA9\xC3\xA9", p).act, action::allow);
    expect_stopped("\xC3\xA9\xC3\xA9\xC3\xA9", limit_violation::too_large, p);
}

TEST(ModerationEngine, BlocksEmptyText) { expect_stopped("", limit_violation::empty); }

TEST(ModerationEngine, BlocksWhitespaceOnlyText) {
    expect_stopped(" ", limit_violation::empty);
    expect_stopped("   \t\r\n  ", limit_violation::empty);
    expect_stopped("\n\n\n", limit_violation::empty);
}

TEST(ModerationEngine, BlocksUnicodeWhitespaceOnlyText) {
    // U+00A0 and U+3000 are White_Space in Unicode and render as blank, like ASCII spaces.
    expect_stopped("\xC2\xA0", limit_violation::empty);                  // no-break space
    expect_stopped("\xE3\x80\x80", limit_violation::empty);              // ideographic space
    expect_stopped(" \xC2\xA0\t\xE2\x80\x83 ", limit_violation::empty);  // with an em space
}

TEST(ModerationEngine, BlocksInvalidUtf8) {
    expect_stopped("ab\xC0\xAF", limit_violation::invalid_utf8);        // overlong '/'
    expect_stopped("\xED\xA0\x80", limit_violation::invalid_utf8);      // surrogate U+D800
    expect_stopped("hello \xE2\x82", limit_violation::invalid_utf8);    // truncated
    expect_stopped("\xF4\x90\x80\x80", limit_violation::invalid_utf8);  // U+110000
    expect_stopped("\x80", limit_violation::invalid_utf8);              // lone continuation
}

TEST(ModerationEngine, TooLargeWinsOverInvalidUtf8) {
    policy p;
    p.max_message_bytes = 2;
    expect_stopped("\xFF\xFF\xFF", limit_violation::too_large, p);
}

TEST(ValidUtf8, AcceptsWellFormedText) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain ascii"));
    EXPECT_TRUE(valid_utf8(std::string("nul\0inside", 10)));
    EXPECT_TRUE(valid_utf8("\xC2\x80"));          // U+0080, smallest two-byte
    EXPECT_TRUE(valid_utf8("\xDF\xBF"));          // U+07FF
    EXPECT_TRUE(valid_utf8("\xE0\xA0\x80"));      // U+0800, smallest three-byte
    EXPECT_TRUE(valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
    EXPECT_TRUE(valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
    EXPECT_TRUE(valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    EXPECT_TRUE(valid_utf8("\xF0\x90\x80\x80"));  // U+10000, smallest four-byte
    EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
    EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));  // emoji
}

TEST(ValidUtf8, RejectsOverlongEncodings) {
    EXPECT_FALSE(valid_utf8("\xC0\xAF"));
    EXPECT_FALSE(valid_utf8("\xC1\xBF"));
    EXPECT_FALSE(valid_utf8("\xC0\x80"));  // overlong NUL
    EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));
    EXPECT_FALSE(valid_utf8("\xE0\x9F\xBF"));  // overlong U+07FF
    EXPECT_FALSE(valid_utf8("\xF0\x80\x80\xAF"));
    EXPECT_FALSE(valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong U+FFFF
}

TEST(ValidUtf8, RejectsSurrogates) {
    EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));              // U+D800
    EXPECT_FALSE(valid_utf8("\xED\xBF\xBF"));              // U+DFFF
    EXPECT_FALSE(valid_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 style pair
}

TEST(ValidUtf8, RejectsTruncatedSequences) {
    EXPECT_FALSE(valid_utf8("\xC3"));
    EXPECT_FALSE(valid_utf8("\xE2\x82"));
    EXPECT_FALSE(valid_utf8("\xF0\x9F\x98"));
    EXPECT_FALSE(valid_utf8("abc\xF0"));
    EXPECT_FALSE(
        valid_utf8("\xE2\x82"
                   "A"));  // continuation replaced by ASCII
}

TEST(ValidUtf8, RejectsCodePointsPastTheLast) {
    EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // U+110000
    EXPECT_FALSE(valid_utf8("\xF7\xBF\xBF\xBF"));
    EXPECT_FALSE(valid_utf8("\xF8\x88\x80\x80\x80"));  // five-byte form
}

TEST(ValidUtf8, RejectsStrayBytes) {
    EXPECT_FALSE(valid_utf8("\x80"));
    EXPECT_FALSE(
        valid_utf8("a\xBF"
                   "b"));
    EXPECT_FALSE(valid_utf8("\xFE"));
    EXPECT_FALSE(valid_utf8("\xFF"));
}

TEST(ModerationAction, NamesEveryAction) {
    EXPECT_STREQ(to_string(action::allow), "allow");
    EXPECT_STREQ(to_string(action::mask), "mask");
    EXPECT_STREQ(to_string(action::hold), "hold");
    EXPECT_STREQ(to_string(action::block), "block");
}

}  // namespace
}  // namespace circles::moderation
