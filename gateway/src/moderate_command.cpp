#include "circles/gateway/moderate_command.hpp"

#include <boost/json.hpp>
#include <istream>
#include <ostream>

namespace circles::gateway {

namespace json = boost::json;

namespace {

json::object decision_json(const moderation::decision& d) {
    json::array categories;
    for (const auto& c : d.categories) categories.emplace_back(c);
    json::object o{{"action", moderation::to_string(d.act)},
                   {"escalate", d.escalate},
                   {"categories", std::move(categories)},
                   {"rule", d.rule_id},
                   {"ground_rule", d.ground_rule},
                   {"masked", d.masked_text},
                   {"reply", d.reply}};
    if (!d.fault.empty()) o["fault"] = d.fault;  // the text was not checked
    return o;
}

json::object error_json(std::size_t line, const std::string& problem) {
    return {{"error", "line " + std::to_string(line) + ": " + problem}, {"line", line}};
}

}  // namespace

int moderate_lines(const moderation::policy& p, const std::string& default_room_kind,
                   std::istream& in, std::ostream& out) {
    int bad = 0;
    std::string line;
    std::size_t number = 0;
    const moderation::sender student{0, "student"};
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        const json::object* o = ec ? nullptr : v.if_object();
        const json::value* text = o ? o->if_contains("text") : nullptr;
        const json::value* kind = o ? o->if_contains("room_kind") : nullptr;
        json::object answer;
        if (ec) {
            answer = error_json(number, "not JSON: " + ec.message());
        } else if (!text || !text->is_string()) {
            answer = error_json(number, "expected an object with a string \"text\"");
        } else if (kind && !kind->is_string()) {
            answer = error_json(number, "\"room_kind\" must be a string");
        } else {
            const std::string room_kind = kind ? std::string(kind->as_string()) : default_room_kind;
            answer = decision_json(
                moderation::evaluate(p, room_kind, student, std::string(text->as_string())));
        }
        if (answer.contains("error") || answer.contains("fault")) ++bad;  // not checked
        out << json::serialize(answer) << '\n';
        out.flush();
    }
    return bad;
}

}  // namespace circles::gateway
