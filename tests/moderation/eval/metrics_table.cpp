#include "metrics_table.hpp"

#include <cstdio>
#include <map>
#include <string_view>

#include "eval_run.hpp"
#include "evasion_fuzzer.hpp"

namespace circles::moderation::eval {
namespace {

std::string pct(std::size_t num, std::size_t den) {
    if (den == 0) return "n/a";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(num) / static_cast<double>(den));
    return buf;
}

std::string row(std::initializer_list<std::string> cells, std::initializer_list<int> widths) {
    std::string out;
    auto w = widths.begin();
    for (const auto& c : cells) {
        const int width = w != widths.end() ? *w++ : 10;
        char buf[128];
        std::snprintf(buf, sizeof buf, "%-*s ", width, c.c_str());
        out += buf;
    }
    out += "\n";
    return out;
}

std::string n(std::size_t v) { return std::to_string(v); }

template <class F>
std::size_t count(const std::vector<outcome>& v, F f) {
    std::size_t k = 0;
    for (const auto& o : v) k += f(o) ? 1 : 0;
    return k;
}

std::vector<outcome> base_room(const std::vector<outcome>& v) {
    std::vector<outcome> out;
    for (const auto& o : v)
        if (o.room.empty()) out.push_back(o);
    return out;
}

}  // namespace

std::string metrics_table() {
    const auto risk = base_room(risk_outcomes());
    const auto benign = base_room(benign_outcomes());
    const auto negation = base_room(negation_outcomes());
    const auto identity = base_room(identity_outcomes());
    std::string t;

    // 1. Risk categories, base room. Predicted C = escalate and C among the categories.
    t += "\n== Risk categories (curated set, school base room) ==\n";
    const std::initializer_list<int> w1 = {18, 5, 9, 11, 8, 11, 10, 6, 10, 9};
    t += row({"category", "n", "escalated", "esc_recall", "cat_TP", "cat_recall", "precision", "FP",
              "negatives", "FPR"},
             w1);
    auto not_risk_fp = [&](std::string_view c) {
        auto hit = [&](const outcome& o) { return o.d.escalate && has_category(o.d, c); };
        return count(benign, hit) + count(negation, hit) + count(identity, hit);
    };
    const std::size_t not_risk_n = benign.size() + negation.size() + identity.size();
    for (const auto& c : risk_categories) {
        const std::size_t pos = count(risk, [&](const outcome& o) { return o.label == c; });
        const std::size_t esc =
            count(risk, [&](const outcome& o) { return o.label == c && o.d.escalate; });
        const std::size_t tp = count(risk, [&](const outcome& o) {
            return o.label == c && o.d.escalate && has_category(o.d, c);
        });
        const std::size_t fp = not_risk_fp(c) + count(risk, [&](const outcome& o) {
                                   return o.label != c && o.d.escalate && has_category(o.d, c);
                               });
        const std::size_t neg = not_risk_n + (risk.size() - pos);
        t += row({c, n(pos), n(esc), pct(esc, pos), n(tp), pct(tp, pos), pct(tp, tp + fp), n(fp),
                  n(neg), pct(fp, neg)},
                 w1);
    }
    {
        const std::size_t esc = count(risk, [](const outcome& o) { return o.d.escalate; });
        auto e = [](const outcome& o) { return o.d.escalate; };
        const std::size_t fp = count(benign, e) + count(negation, e) + count(identity, e);
        t += row(
            {"any_risk", n(risk.size()), n(esc), pct(esc, risk.size()), n(esc),
             pct(esc, risk.size()), pct(esc, esc + fp), n(fp), n(not_risk_n), pct(fp, not_risk_n)},
            w1);
    }

    // 2. What the engine did with the risk cases, every room kind.
    t += "\n== Actions on risk cases (all room kinds) ==\n";
    const std::initializer_list<int> w2 = {18, 6, 7, 6, 6, 7, 10, 12};
    t += row({"category", "n", "allow", "mask", "hold", "block", "escalate", "empty_reply"}, w2);
    for (const auto& c : risk_categories) {
        auto of = [&](auto pred) {
            return n(count(risk_outcomes(),
                           [&](const outcome& o) { return o.label == c && pred(o.d); }));
        };
        t += row({c, of([](const decision&) { return true; }),
                  of([](const decision& d) { return d.act == action::allow; }),
                  of([](const decision& d) { return d.act == action::mask; }),
                  of([](const decision& d) { return d.act == action::hold; }),
                  of([](const decision& d) { return d.act == action::block; }),
                  of([](const decision& d) { return d.escalate; }),
                  of([](const decision& d) { return d.reply.empty(); })},
                 w2);
    }

    // 3. Recall (escalate) per evasion family, base room.
    t += "\n== Evasion variants: escalate recall per family (school base room) ==\n";
    const std::initializer_list<int> w3 = {22, 6, 9, 9, 8};
    t += row({"family", "n", "escalated", "recall", "blocked"}, w3);
    std::size_t all = 0, all_esc = 0;
    for (const auto& f : evasion_families()) {
        const auto& ev = evasion_outcomes();
        const std::size_t k = count(ev, [&](const outcome& o) { return o.family == f; });
        const std::size_t e =
            count(ev, [&](const outcome& o) { return o.family == f && o.d.escalate; });
        const std::size_t b =
            count(ev, [&](const outcome& o) { return o.family == f && o.d.act == action::block; });
        all += k;
        all_esc += e;
        t += row({f, n(k), n(e), pct(e, k), n(b)}, w3);
    }
    t += row({"all_variants", n(all), n(all_esc), pct(all_esc, all), ""}, w3);

    // 4. Not-risk sets: stop (block|hold) rate is the enforced false-positive rate.
    t += "\n== Not-risk sets: actions and false-positive rate (FPR = block or hold / n) ==\n";
    const std::initializer_list<int> w4 = {26, 7, 6, 6, 6, 9, 10};
    t += row({"set", "n", "block", "hold", "mask", "escalate", "FPR"}, w4);
    auto set_row = [&](const std::string& name, const std::vector<outcome>& v) {
        const std::size_t b = count(v, [](const outcome& o) { return o.d.act == action::block; });
        const std::size_t h = count(v, [](const outcome& o) { return o.d.act == action::hold; });
        const std::size_t m = count(v, [](const outcome& o) { return o.d.act == action::mask; });
        const std::size_t e = count(v, [](const outcome& o) { return o.d.escalate; });
        t += row({name, n(v.size()), n(b), n(h), n(m), n(e), pct(b + h, v.size())}, w4);
    };
    set_row("benign (all rooms)", benign_outcomes());
    set_row("negation (all rooms)", negation_outcomes());
    set_row("identity (all rooms)", identity_outcomes());
    set_row("dictionary (base room)", dictionary_outcomes());

    // 5. Ground-rule categories raised on the not-risk sets (no labelled positives here:
    //    every non-allow hit on these sets is a false positive, so only FP and FPR apply).
    t += "\n== Ground-rule categories on not-risk sets (every hit is a false positive) ==\n";
    const std::initializer_list<int> w5 = {14, 10, 10, 12, 12, 10};
    t += row({"category", "benign", "negation", "identity", "dictionary", "FPR_dict"}, w5);
    for (const char* c : {"profanity", "sexual", "slurs", "bullying", "contact", "link"}) {
        auto hit = [&](const outcome& o) {
            return o.d.act != action::allow && has_category(o.d, c);
        };
        const std::size_t dict = count(dictionary_outcomes(), hit);
        t += row(
            {c, n(count(benign_outcomes(), hit)), n(count(negation_outcomes(), hit)),
             n(count(identity_outcomes(), hit)), n(dict), pct(dict, dictionary_outcomes().size())},
            w5);
    }
    return t;
}

}  // namespace circles::moderation::eval
