// `circles moderate`: one JSON answer per input line, errors that name the line, and decisions
// that match the engine's.
#include "circles/gateway/moderate_command.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

namespace circles::gateway {
namespace {

namespace json = boost::json;

std::vector<json::object> run(const std::string& input, int& bad) {
    std::istringstream in(input);
    std::ostringstream out;
    bad = moderate_lines(moderation::policy{}, "", in, out);
    std::vector<json::object> lines;
    std::istringstream answers(out.str());
    std::string line;
    while (std::getline(answers, line)) lines.push_back(json::parse(line).as_object());
    return lines;
}

TEST(ModerateCommand, AnswersEveryLineAndNamesBadOnes) {
    int bad = 0;
    auto lines =
        run("{not json\n"
            "\n"
            "{\"text\": \"see you at lunch\"}\n"
            "{\"room\": \"no text here\"}\n"
            "{\"text\": \"I'm gay and proud\", \"room_kind\": \"gsa\"}\n",
            bad);
    ASSERT_EQ(lines.size(), 4u) << "blank lines are skipped, every other line is answered";
    EXPECT_EQ(bad, 2);
    EXPECT_NE(lines[0].at("error").as_string().find("line 1"), json::string::npos);
    EXPECT_EQ(lines[0].at("line").as_int64(), 1);
    EXPECT_EQ(lines[1].at("action").as_string(), "allow");
    EXPECT_FALSE(lines[1].at("escalate").as_bool());
    EXPECT_NE(lines[2].at("error").as_string().find("line 4"), json::string::npos);
    EXPECT_EQ(lines[3].at("action").as_string(), "allow");
    for (const char* key :
         {"action", "escalate", "categories", "rule", "ground_rule", "masked", "reply"}) {
        EXPECT_TRUE(lines[1].contains(key)) << key;
    }
}

TEST(ModerateCommand, RiskIsEscalatedWithASupportiveReply) {
    int bad = 0;
    auto lines = run("{\"text\": \"i have been saving my pills to take them all\"}\n", bad);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(bad, 0);
    EXPECT_TRUE(lines[0].at("escalate").as_bool());
    EXPECT_NE(lines[0].at("action").as_string(), "block");
    EXPECT_FALSE(lines[0].at("reply").as_string().empty());
}

}  // namespace
}  // namespace circles::gateway
