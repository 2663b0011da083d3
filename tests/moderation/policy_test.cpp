// Policies as data: loading, validation errors with file and line, presets per room kind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_policy.hpp"

namespace circles::moderation {
namespace {

using testing::base_toml;
using testing::check;

policy_error error_of(const std::string& toml) {
    try {
        parse_policy(toml, "school.toml");
    } catch (const policy_error& e) {
        return e;
    }
    ADD_FAILURE() << "policy was accepted:\n" << toml;
    return policy_error("", 0, "");
}

TEST(Policy, DefaultHasGroundRulesCrisisContactsAndPresets) {
    const policy p;
    EXPECT_EQ(p.id, "default");
    ASSERT_GE(p.ground_rules().size(), 4u);
    EXPECT_EQ(p.ground_rules().front().number, 1);
    EXPECT_NE(p.crisis_reply().find("988"), std::string::npos);
    EXPECT_EQ(p.crisis_reply().find("commit suicide"), std::string::npos);
    const auto kinds = p.room_kinds();
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "gsa"), kinds.end());
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "social_group"), kinds.end());
}

TEST(Policy, CopiesShareTheCompiledState) {
    const policy a;
    const policy b = a;
    EXPECT_EQ(&a.compiled(), &b.compiled());
}

TEST(Policy, LoadsAFileAndItsRules) {
    const auto file = std::filesystem::temp_directory_path() / "circles_policy_test.toml";
    std::ofstream(file) << base_toml() << R"(
[policy]
id = "north-high"

[[rules]]
id = "bad-words"
category = "profanity"
action = "block"
ground_rule = 1
keywords = ["frick", "dang*", "*bark", "*zork*"]
)";
    const policy p = load_policy(file);
    EXPECT_EQ(p.id, "north-high");
    EXPECT_EQ(check("oh frick", {}, p).act, action::block);
    EXPECT_EQ(check("oh frick", {}, p).ground_rule, 1);
    EXPECT_EQ(check("oh frick", {}, p).rule_id, "bad-words");
    std::filesystem::remove(file);
}

TEST(Policy, ErrorsNameFileAndLine) {
    const auto e = error_of(base_toml() +
                            "\n[[rules]]\nid = \"x\"\naction = \"zap\"\n"
                            "ground_rule = 1\nkeywords = [\"a\"]\n");
    EXPECT_EQ(e.file(), "school.toml");
    EXPECT_EQ(e.line(), 14);
    EXPECT_NE(std::string(e.what()).find("school.toml:14: "), std::string::npos) << e.what();
    EXPECT_NE(e.message().find("zap"), std::string::npos);
}

TEST(Policy, RefusesUnknownKeys) {
    const auto e = error_of(base_toml() + "\n[contacts]\nphone = \"mask\"\nfax = \"mask\"\n");
    EXPECT_EQ(e.line(), 14);
    EXPECT_NE(e.message().find("unknown key 'fax'"), std::string::npos) << e.what();
}

TEST(Policy, RefusesARuleCitingAMissingGroundRule) {
    const auto e = error_of(base_toml() +
                            "\n[[rules]]\nid = \"x\"\naction = \"mask\"\n"
                            "ground_rule = 9\nkeywords = [\"a\"]\n");
    EXPECT_EQ(e.line(), 15);
    EXPECT_NE(e.message().find("ground rule 9"), std::string::npos) << e.what();
}

TEST(Policy, RefusesARegexHyperscanCannotCompile) {
    const auto e = error_of(base_toml() +
                            "\n[[rules]]\nid = \"x\"\naction = \"mask\"\n"
                            "ground_rule = 1\nregexes = [\n  \"ok\",\n  \"(unclosed\",\n]\n");
    EXPECT_EQ(e.line(), 18);
    EXPECT_NE(e.message().find("does not compile"), std::string::npos) << e.what();
}

TEST(Policy, RefusesTomlSyntaxErrors) {
    const auto e = error_of(base_toml() + "\n[[rules]\n");
    EXPECT_EQ(e.line(), 12);
}

TEST(Policy, RefusesARuleThatWouldBlockAProtectedIdentityTerm) {
    for (std::string kw : {"gay", "trans*", "*queer*", "autistic"}) {
        const auto e = error_of(base_toml() +
                                "\n[[rules]]\nid = \"bad\"\naction = \"block\"\n"
                                "ground_rule = 1\nkeywords = [\"" +
                                kw + "\"]\n");
        EXPECT_EQ(e.line(), 12) << kw;
        EXPECT_NE(e.message().find("protected identity term"), std::string::npos) << e.what();
    }
    // Also when only a room kind turns the rule on.
    const auto e = error_of(base_toml() +
                            "\n[[rules]]\nid = \"r\"\naction = \"allow\"\nground_rule = 1\n"
                            "keywords = [\"lesbian\"]\n[room_kinds.lunch]\n"
                            "rule_actions = { r = \"hold\" }\n");
    EXPECT_NE(e.message().find("lesbian"), std::string::npos) << e.what();
}

TEST(Policy, GsaAllowsReclaimedWordsTheBaseRulesBlock) {
    EXPECT_EQ(check("we're dykes and proud").act, action::block);
    EXPECT_EQ(check("we're dykes and proud", "gsa").act, action::allow);
    EXPECT_EQ(check("we're queer and proud").act, action::allow);
    EXPECT_EQ(check("we're queer and proud", "gsa").act, action::allow);
    // A slur that is not reclaimed stays blocked in the GSA room.
    EXPECT_EQ(check("you faggot", "gsa").act, action::block);
}

TEST(Policy, ContactDetailsFollowTheRoomKind) {
    for (const char* text :
         {"call me at 555-123-4567", "text me on +44 7700 900123", "email jo.smith@example.com",
          "my snap: jo_x22", "add me on insta", "I live at 42 Maple Street"}) {
        const auto base = check(text);
        EXPECT_EQ(base.act, action::mask) << text;
        EXPECT_EQ(base.ground_rule, 3) << text;
        EXPECT_FALSE(base.masked_text.empty()) << text;
        EXPECT_EQ(check(text, "social_group").act, action::hold) << text;
    }
    EXPECT_EQ(check("read https://example.org/help").act, action::allow);
    EXPECT_EQ(check("read https://example.org/help", "social_group").act, action::hold);
    EXPECT_EQ(check("see you at 3:30 in room 204").act, action::allow);
}

TEST(Policy, GroundRulesAreTheSchoolsNumberedRules) {
    const policy p = parse_policy(base_toml());
    ASSERT_EQ(p.ground_rules("gsa").size(), 2u);
    EXPECT_EQ(p.ground_rules()[1].number, 2);
    EXPECT_EQ(p.ground_rules()[1].text, "No contact details.");
}

}  // namespace
}  // namespace circles::moderation
