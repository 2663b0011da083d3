#include "eval_run.hpp"

#include <cstdio>

#include "evasion_fuzzer.hpp"

namespace circles::moderation::eval {
namespace {

const sender student{1001, "student"};

std::vector<outcome> in_every_room(const std::vector<std::string>& texts) {
    std::vector<outcome> out;
    out.reserve(texts.size() * room_kinds.size());
    for (const auto& room : room_kinds)
        for (const auto& t : texts) out.push_back({"", room, "", t, run(room, t)});
    return out;
}

}  // namespace

const policy& default_policy() {
    static const policy p;
    return p;
}

decision run(std::string_view room, std::string_view text) {
    return evaluate(default_policy(), room, student, text);
}

const std::vector<risk_case>& risk_set() {
    static const auto s = load_risk(data_dir() + "/risk.tsv");
    return s;
}

const std::vector<outcome>& risk_outcomes() {
    static const auto s = [] {
        std::vector<outcome> out;
        for (const auto& room : room_kinds)
            for (const auto& c : risk_set())
                out.push_back({c.category, room, "", c.text, run(room, c.text)});
        return out;
    }();
    return s;
}

const std::vector<outcome>& evasion_outcomes() {
    static const auto s = [] {
        std::vector<outcome> out;
        for (const auto& c : risk_set())
            for (auto& v : evasion_variants(c.text, evasion_seed))
                out.push_back({c.category, "", v.family, v.text, run("", v.text)});
        return out;
    }();
    return s;
}

const std::vector<outcome>& benign_outcomes() {
    static const auto s = in_every_room(load_lines(data_dir() + "/benign.txt"));
    return s;
}

const std::vector<outcome>& negation_outcomes() {
    static const auto s = in_every_room(load_lines(data_dir() + "/negation.txt"));
    return s;
}

const std::vector<outcome>& identity_outcomes() {
    static const auto s =
        in_every_room(fill_templates(load_lines(data_dir() + "/identity_templates.txt"),
                                     load_lines(data_dir() + "/identity_terms.txt")));
    return s;
}

const std::vector<outcome>& dictionary_outcomes() {
    static const auto s = [] {
        std::vector<outcome> out;
        for (auto& w : load_dictionary("/usr/share/dict/american-english")) {
            auto d = run("", w);
            out.push_back({"", "", "", std::move(w), std::move(d)});
        }
        return out;
    }();
    return s;
}

bool stops(const decision& d) { return d.act == action::block || d.act == action::hold; }

bool has_category(const decision& d, std::string_view c) {
    for (const auto& x : d.categories)
        if (x == c) return true;
    return false;
}

std::string visible(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        const std::size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        char32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < len && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u{%X}", static_cast<unsigned>(cp));
        out += buf;
        i += len;
    }
    return out;
}

std::string describe(const outcome& o) {
    std::string s = "[room '" + o.room + "'";
    if (!o.label.empty()) s += ", " + o.label;
    if (!o.family.empty()) s += ", " + o.family;
    s += std::string(", ") + to_string(o.d.act) + (o.d.escalate ? "+escalate" : "");
    if (!o.d.rule_id.empty()) s += ", rule " + o.d.rule_id;
    if (!o.d.categories.empty()) {
        s += ", categories";
        for (const auto& c : o.d.categories) s += " " + c;
    }
    s += "] " + o.text;
    const auto v = visible(o.text);
    if (v != o.text) s += "   (escaped: " + v + ")";
    return s;
}

}  // namespace circles::moderation::eval
