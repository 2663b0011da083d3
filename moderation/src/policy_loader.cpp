// Reads a policy from TOML, validates every key and value (file, line and problem on the
// first error), and compiles each room kind's databases (one per view). See README.md for the
// format.
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "compiled_policy.hpp"
#include "lists.hpp"

namespace circles::moderation {

policy_error::policy_error(std::string file, int line, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + message),
      file_(std::move(file)),
      line_(line),
      message_(std::move(message)) {}

namespace detail {
namespace {

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

struct reader {
    std::string file;

    [[noreturn]] void fail(const toml::node& n, const std::string& what) const {
        throw policy_error(file, line_of(n), what);
    }

    void only_keys(const toml::table& t, std::initializer_list<std::string_view> keys,
                   const std::string& where) const {
        for (auto&& [k, v] : t) {
            if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) {
                std::string known;
                for (auto key : keys) known += (known.empty() ? "" : ", ") + std::string(key);
                throw policy_error(file, static_cast<int>(k.source().begin.line),
                                   "unknown key '" + std::string(k.str()) + "' in " + where +
                                       " (known: " + known + ")");
            }
        }
    }

    const toml::table& table(const toml::node& n, const std::string& what) const {
        if (!n.is_table()) fail(n, what + " must be a table");
        return *n.as_table();
    }

    std::string string(const toml::node& n, const std::string& what) const {
        if (!n.is_string()) fail(n, what + " must be a string");
        return n.value<std::string>().value();
    }

    std::int64_t integer(const toml::node& n, const std::string& what, std::int64_t lo,
                         std::int64_t hi) const {
        if (!n.is_integer()) fail(n, what + " must be an integer");
        const auto v = n.value<std::int64_t>().value();
        if (v < lo || v > hi)
            fail(n, what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        return v;
    }

    std::vector<std::string> strings(const toml::node& n, const std::string& what,
                                     std::vector<int>* lines = nullptr) const {
        if (!n.is_array()) fail(n, what + " must be an array of strings");
        std::vector<std::string> out;
        for (const auto& e : *n.as_array()) {
            out.push_back(string(e, what + " entries"));
            if (out.back().empty()) fail(e, what + " entries must not be empty");
            if (lines) lines->push_back(line_of(e));
        }
        return out;
    }

    action act(const toml::node& n, const std::string& what) const {
        const auto s = string(n, what);
        if (s == "allow") return action::allow;
        if (s == "mask") return action::mask;
        if (s == "hold") return action::hold;
        if (s == "block") return action::block;
        fail(n, what + " '" + s + "' is not an action (allow, mask, hold, block)");
    }
};

constexpr std::string_view contact_keys[] = {"phone", "email", "handle", "address", "link"};

void read_contacts(const reader& r, const toml::table& t, preset& p, const std::string& where) {
    r.only_keys(t, {"phone", "email", "handle", "address", "link", "ground_rule"}, where);
    for (std::size_t k = 0; k < contact_kinds; ++k) {
        if (const auto* n = t.get(contact_keys[k])) {
            p.contacts[k] = r.act(*n, where + "." + std::string(contact_keys[k]));
            p.contacts_on[k] = p.contacts[k] != action::allow;
        }
    }
}

rule read_rule(const reader& r, const toml::node& n, const compiled_policy& cp) {
    const auto& t = r.table(n, "each [[rules]] entry");
    r.only_keys(t,
                {"id", "category", "action", "ground_rule", "preset", "keywords", "regexes",
                 "allow", "squeezed"},
                "[[rules]]");
    rule ru;
    ru.line = line_of(n);
    if (!t.get("id")) r.fail(n, "a rule needs an id");
    ru.id = r.string(*t.get("id"), "rules.id");
    if (!t.get("action")) r.fail(n, "rule '" + ru.id + "' needs an action");
    ru.act = r.act(*t.get("action"), "rule '" + ru.id + "' action");
    if (!t.get("ground_rule")) r.fail(n, "rule '" + ru.id + "' must cite a ground_rule");
    const auto* gr = t.get("ground_rule");
    ru.ground_rule = static_cast<int>(r.integer(*gr, "ground_rule", 1, 1000));
    if (!cp.find_ground_rule(ru.ground_rule))
        r.fail(*gr, "rule '" + ru.id + "' cites ground rule " + std::to_string(ru.ground_rule) +
                        ", which is not defined");
    ru.category = ru.id;
    if (const auto* c = t.get("category")) ru.category = r.string(*c, "category");
    if (const auto* pr = t.get("preset")) {
        const auto name = r.string(*pr, "preset");
        const auto words = lists::category(name);
        if (words.empty())
            r.fail(*pr, "unknown preset '" + name + "' (profanity, sexual, slurs, insults)");
        for (auto w : words) ru.keywords.emplace_back(w);
        for (auto w : lists::category_allow(name)) ru.allow.emplace_back(w);
        if (!t.get("category")) ru.category = name;
    }
    if (const auto* k = t.get("keywords")) {
        auto more = r.strings(*k, "keywords");
        ru.keywords.insert(ru.keywords.end(), more.begin(), more.end());
    }
    if (const auto* re = t.get("regexes")) {
        ru.regexes = r.strings(*re, "regexes", &ru.regex_lines);
        if (ru.regexes.size() > 10) r.fail(*re, "at most 10 regexes per rule");
        for (std::size_t i = 0; i < ru.regexes.size(); ++i)
            if (ru.regexes[i].size() > 260)
                throw policy_error(r.file, ru.regex_lines[i],
                                   "a regex may have at most 260 characters");
    }
    if (const auto* a = t.get("allow")) {
        auto more = r.strings(*a, "allow");
        ru.allow.insert(ru.allow.end(), more.begin(), more.end());
    }
    if (const auto* s = t.get("squeezed")) {
        if (!s->is_boolean()) r.fail(*s, "squeezed must be true or false");
        ru.squeezed = s->value<bool>().value();
    }
    if (ru.keywords.empty() && ru.regexes.empty())
        r.fail(n, "rule '" + ru.id + "' has no keywords, preset or regexes");
    if (ru.keywords.size() > 5000) r.fail(n, "at most 5000 keywords per rule");
    return ru;
}

void read_room_kind(const reader& r, const std::string& name, const toml::node& n,
                    compiled_policy& cp) {
    const std::string where = "[room_kinds." + name + "]";
    const auto& t = r.table(n, where);
    r.only_keys(t, {"allow", "contacts", "rule_actions"}, where);
    preset p;
    p.name = name;
    p.rules = cp.base.rules;
    p.contacts = cp.base.contacts;
    p.contacts_on = cp.base.contacts_on;
    if (const auto* a = t.get("allow")) p.allow = r.strings(*a, where + " allow");
    if (const auto* c = t.get("contacts"))
        read_contacts(r, r.table(*c, where + ".contacts"), p, where + ".contacts");
    if (const auto* ra = t.get("rule_actions")) {
        std::set<std::string> off;
        for (auto&& [k, v] : r.table(*ra, where + ".rule_actions")) {
            const std::string id(k.str());
            auto it = std::find_if(p.rules.begin(), p.rules.end(),
                                   [&](const rule& x) { return x.id == id; });
            if (it == p.rules.end()) r.fail(v, "rule_actions names unknown rule '" + id + "'");
            if (v.is_string() && v.value<std::string>() == "off") {
                off.insert(id);
            } else {
                it->act = r.act(v, where + " rule_actions." + id);
                it->line = line_of(v);
            }
        }
        std::erase_if(p.rules, [&](const rule& x) { return off.contains(x.id); });
    }
    cp.kinds.emplace(name, std::move(p));
}

}  // namespace

std::shared_ptr<const compiled_policy> compile_policy(std::string_view text,
                                                      const std::string& file) {
    toml::table doc;
    try {
        doc = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        throw policy_error(file, static_cast<int>(e.source().begin.line),
                           std::string(e.description()));
    }
    reader r{file};
    r.only_keys(doc,
                {"policy", "crisis", "ground_rules", "contacts", "flood", "rules", "room_kinds"},
                "the policy");
    auto cp = std::make_shared<compiled_policy>();
    cp->source = file;
    if (const auto* n = doc.get("policy")) {
        const auto& t = r.table(*n, "[policy]");
        r.only_keys(t, {"id", "max_message_bytes", "school"}, "[policy]");
        if (const auto* id = t.get("id")) cp->id = r.string(*id, "policy.id");
        if (const auto* m = t.get("max_message_bytes"))
            cp->max_message_bytes = static_cast<std::size_t>(r.integer(
                *m, "max_message_bytes", 1, static_cast<std::int64_t>(max_message_bytes)));
    }
    const auto* grs = doc.get("ground_rules");
    if (!grs || !grs->is_array() || grs->as_array()->empty())
        throw policy_error(file, grs ? line_of(*grs) : 1, "a policy needs [[ground_rules]]");
    for (const auto& g : *grs->as_array()) {
        const auto& t = r.table(g, "each [[ground_rules]] entry");
        r.only_keys(t, {"number", "text"}, "[[ground_rules]]");
        if (!t.get("number") || !t.get("text")) r.fail(g, "a ground rule needs number and text");
        ground_rule gr{static_cast<int>(r.integer(*t.get("number"), "number", 1, 1000)),
                       r.string(*t.get("text"), "text")};
        if (cp->find_ground_rule(gr.number))
            r.fail(g, "ground rule " + std::to_string(gr.number) + " is defined twice");
        cp->ground_rules.push_back(std::move(gr));
    }
    const auto* crisis = doc.get("crisis");
    if (!crisis) throw policy_error(file, 1, "a policy needs [crisis] reply with crisis contacts");
    {
        const auto& t = r.table(*crisis, "[crisis]");
        r.only_keys(t, {"reply", "hold_disclosures"}, "[crisis]");
        if (!t.get("reply")) r.fail(*crisis, "[crisis] needs reply");
        cp->crisis_reply = r.string(*t.get("reply"), "crisis.reply");
        if (const auto* h = t.get("hold_disclosures")) {
            if (!h->is_boolean()) r.fail(*h, "crisis.hold_disclosures must be true or false");
            cp->hold_disclosures = h->as_boolean()->get();
        }
        if (cp->crisis_reply.find("commit suicide") != std::string::npos)
            r.fail(*t.get("reply"), "say \"die by suicide\", not \"commit suicide\"");
    }
    auto cite = [&](const toml::table& t) {
        int g = 0;
        if (const auto* n = t.get("ground_rule")) {
            g = static_cast<int>(r.integer(*n, "ground_rule", 1, 1000));
            if (!cp->find_ground_rule(g))
                r.fail(*n, "ground rule " + std::to_string(g) + " is not defined");
        }
        return g;
    };
    if (const auto* n = doc.get("contacts")) {
        const auto& t = r.table(*n, "[contacts]");
        read_contacts(r, t, cp->base, "[contacts]");
        cp->contact_ground_rule = cite(t);
    }
    if (const auto* n = doc.get("flood")) {
        const auto& t = r.table(*n, "[flood]");
        r.only_keys(
            t,
            {"ground_rule", "user_messages", "user_window_seconds", "room_messages",
             "room_window_seconds", "duplicate_window_seconds", "max_mentions", "max_repeat_run"},
            "[flood]");
        cp->flood_ground_rule = cite(t);
        auto& f = cp->flood;
        auto num = [&](const char* key, std::int64_t lo, std::int64_t hi, auto& out) {
            if (const auto* v = t.get(key))
                out =
                    static_cast<std::remove_reference_t<decltype(out)>>(r.integer(*v, key, lo, hi));
        };
        std::int64_t secs = 0;
        num("user_messages", 1, 10000, f.user_messages);
        if (t.get("user_window_seconds"))
            num("user_window_seconds", 1, 86400, secs), f.user_window = std::chrono::seconds(secs);
        num("room_messages", 1, 100000, f.room_messages);
        if (t.get("room_window_seconds"))
            num("room_window_seconds", 1, 86400, secs), f.room_window = std::chrono::seconds(secs);
        if (t.get("duplicate_window_seconds"))
            num("duplicate_window_seconds", 0, 86400, secs),
                f.duplicate_window = std::chrono::seconds(secs);
        num("max_mentions", 1, 50, f.max_mentions);
        num("max_repeat_run", 3, 4000, f.max_repeat_run);
    }
    if (const auto* n = doc.get("rules")) {
        if (!n->is_array()) r.fail(*n, "rules must be [[rules]] entries");
        std::set<std::string> ids;
        for (const auto& e : *n->as_array()) {
            auto ru = read_rule(r, e, *cp);
            if (!ids.insert(ru.id).second) r.fail(e, "rule id '" + ru.id + "' is used twice");
            cp->base.rules.push_back(std::move(ru));
        }
    }
    if (const auto* n = doc.get("room_kinds")) {
        for (auto&& [k, v] : r.table(*n, "[room_kinds]"))
            read_room_kind(r, std::string(k.str()), v, *cp);
    }
    compile_preset(cp->base, file);
    for (auto& [name, p] : cp->kinds) compile_preset(p, file);
    return cp;
}

}  // namespace detail

policy load_policy(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw policy_error(file.string(), 0, "cannot read the policy file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_policy(text.str(), file.string());
}

policy parse_policy(std::string_view toml_text, std::string source_name) {
    return policy(detail::compile_policy(toml_text, source_name));
}

}  // namespace circles::moderation
