// The moderation evaluation (issue 4, "Evaluation"): labelled sets, an evasion fuzzer, and the
// thresholds the engine must hold. Every miss is listed with its text, so a failure says
// which rule to fix. README.md explains the files and how the numbers are computed.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <stdexcept>

#include "eval_data.hpp"
#include "eval_run.hpp"
#include "evasion_fuzzer.hpp"
#include "metrics_table.hpp"

namespace circles::moderation::eval {
namespace {

// Enforced thresholds: issue 4. Do not loosen them to make a build green.
constexpr double max_dictionary_fpr = 0.001;

bool is_disclosure(const std::string& category) {
    return category == "self_harm" || category == "abuse_disclosure";
}

// Collects failing outcomes and reports them as one failure listing every one.
class misses {
  public:
    explicit misses(std::string what) : what_(std::move(what)) {}
    void add(const outcome& o) {
        lines_ += "  " + describe(o) + "\n";
        ++n_;
    }
    void add(const outcome& o, const std::string& why) {
        lines_ += "  " + why + " " + describe(o) + "\n";
        ++n_;
    }
    std::size_t size() const { return n_; }
    void report(std::size_t of) const {
        if (n_ == 0) return;
        ADD_FAILURE() << what_ << ": " << n_ << " of " << of << " cases\n" << lines_;
    }

  private:
    std::string what_;
    std::string lines_;
    std::size_t n_ = 0;
};

// Runs a set loader, turning a data-file error into one clear failure.
template <class F>
bool loads(F f) {
    try {
        f();
        return true;
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        return false;
    }
}

TEST(EvasionFuzzer, IsDeterministicAndProducesEveryFamily) {
    const auto a = evasion_variants("i want to kill myself", evasion_seed);
    const auto b = evasion_variants("i want to kill myself", evasion_seed);
    ASSERT_EQ(a.size(), evasion_families().size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].family, evasion_families()[i]);
        EXPECT_EQ(a[i].text, b[i].text);
        if (a[i].family != "upper") {
            EXPECT_NE(a[i].text, "i want to kill myself") << a[i].family;
        }
    }
}

TEST(EvasionFuzzer, RewritesOnlyTheRiskWords) {
    std::map<std::string, std::string> by_family;
    for (auto& v : evasion_variants("i want to kill myself", evasion_seed))
        by_family[v.family] = v.text;
    EXPECT_EQ(by_family["leet"], "i want to k1ll myself");
    EXPECT_EQ(by_family["spaced"], "i want to k i l l myself");
    EXPECT_EQ(by_family["dotted"], "i want to k.i.l.l myself");
    EXPECT_EQ(by_family["stretched"], "i want to kiiiill myself");
    EXPECT_EQ(by_family["zw_200b"], "i want to k\u200Bi\u200Bl\u200Bl myself");
    EXPECT_EQ(by_family["cyrillic"], "i want to k\u0456ll myself");
    EXPECT_EQ(by_family["fullwidth"], "i want to \uFF4B\uFF49\uFF4C\uFF4C myself");
    EXPECT_EQ(by_family["upper"], "I WANT TO KILL MYSELF");
}

TEST(ModerationEval, DataSetsMeetTheirMinimumSizes) {
    ASSERT_TRUE(loads([] { risk_set(); }));
    EXPECT_GE(risk_set().size(), 150u);
    for (const auto& c : risk_categories)
        EXPECT_GE(std::count_if(risk_set().begin(), risk_set().end(),
                                [&](const risk_case& r) { return r.category == c; }),
                  20)
            << c;
    ASSERT_TRUE(loads([] { benign_outcomes(); }));
    EXPECT_GE(benign_outcomes().size() / room_kinds.size(), 300u);
    ASSERT_TRUE(loads([] { negation_outcomes(); }));
    EXPECT_GE(negation_outcomes().size() / room_kinds.size(), 50u);
    ASSERT_TRUE(loads([] { identity_outcomes(); }));
    EXPECT_GE(identity_outcomes().size() / room_kinds.size(), 1000u);
}

TEST(ModerationEval, RiskRecallIsOneInEveryRoomKind) {
    ASSERT_TRUE(loads([] { risk_outcomes(); }));
    misses m("risk statements not escalated");
    for (const auto& o : risk_outcomes())
        if (!o.d.escalate) m.add(o);
    m.report(risk_outcomes().size());
}

TEST(ModerationEval, RiskRecallIsOneUnderEvasion) {
    ASSERT_TRUE(loads([] { evasion_outcomes(); }));
    misses m("evasion variants not escalated");
    for (const auto& o : evasion_outcomes())
        if (!o.d.escalate) m.add(o);
    m.report(evasion_outcomes().size());
}

// A student who discloses self-harm or abuse is never silently dropped: the message is not
// blocked, a counselor is alerted, and the student gets a supportive reply. Threats and
// "kys"-style bullying aimed at someone else may be blocked from the room, but only with
// the same escalation and reply (see README.md, "Disclosures are never blocked").
TEST(ModerationEval, RiskIsNeverSilentlyDropped) {
    ASSERT_TRUE(loads([] { risk_outcomes(); }));
    ASSERT_TRUE(loads([] { evasion_outcomes(); }));
    misses m("risk cases silently dropped");
    std::size_t total = 0;
    for (const auto* set : {&risk_outcomes(), &evasion_outcomes()})
        for (const auto& o : *set) {
            ++total;
            if (is_disclosure(o.label) && o.d.act == action::block)
                m.add(o, "disclosure blocked:");
            else if (o.d.act == action::block && !o.d.escalate)
                m.add(o, "blocked without escalation:");
            else if (o.d.escalate && o.d.reply.empty())
                m.add(o, "escalated with an empty reply:");
        }
    m.report(total);
}

TEST(ModerationEval, IdentityStatementsAreNeverBlockedOrHeld) {
    ASSERT_TRUE(loads([] { identity_outcomes(); }));
    misses m("identity statements blocked or held");
    for (const auto& o : identity_outcomes())
        if (stops(o.d)) m.add(o);
    m.report(identity_outcomes().size());
}

// Beyond the threshold, from the research notes: identity terms are never risk
// signals (escalating "I'm gay and proud" to staff is the outing harm) and are never masked.
TEST(ModerationEval, IdentityStatementsAreNeitherMaskedNorEscalated) {
    ASSERT_TRUE(loads([] { identity_outcomes(); }));
    misses m("identity statements masked or escalated");
    for (const auto& o : identity_outcomes())
        if (o.d.act == action::mask || o.d.escalate) m.add(o);
    m.report(identity_outcomes().size());
}

TEST(ModerationEval, BenignChatIsNeverBlockedOrHeld) {
    ASSERT_TRUE(loads([] { benign_outcomes(); }));
    misses m("benign messages blocked or held");
    for (const auto& o : benign_outcomes())
        if (stops(o.d)) m.add(o);
    m.report(benign_outcomes().size());
}

TEST(ModerationEval, IdiomsAndNegationsAreNeverBlockedOrHeld) {
    ASSERT_TRUE(loads([] { negation_outcomes(); }));
    misses m("idiom or negation messages blocked or held");
    for (const auto& o : negation_outcomes())
        if (stops(o.d)) m.add(o);
    m.report(negation_outcomes().size());
}

TEST(ModerationEval, DictionaryFalsePositiveRateIsAtMostOneInAThousand) {
    ASSERT_TRUE(loads([] { dictionary_outcomes(); }));
    const auto& d = dictionary_outcomes();
    ASSERT_FALSE(d.empty());
    std::string offending;
    std::size_t stopped = 0;
    for (const auto& o : d)
        if (stops(o.d)) {
            ++stopped;
            offending += "  " + describe(o) + "\n";
        }
    const double fpr = static_cast<double>(stopped) / static_cast<double>(d.size());
    std::cout << "dictionary sweep: " << stopped << " of " << d.size()
              << " words blocked or held (FPR " << fpr << ")\n";
    EXPECT_LE(fpr, max_dictionary_fpr)
        << stopped << " of " << d.size() << " dictionary words blocked or held:\n"
        << offending;
    if (fpr <= max_dictionary_fpr && stopped > 0)
        std::cout << "within the threshold, but still stopped:\n" << offending;
}

// Always passes: prints the per-category metrics (README.md explains each column).
TEST(ModerationEval, PrintsMetricsTable) {
    ASSERT_TRUE(loads([] {
        risk_outcomes();
        evasion_outcomes();
        benign_outcomes();
        negation_outcomes();
        identity_outcomes();
        dictionary_outcomes();
    }));
    std::cout << metrics_table() << std::flush;
}

}  // namespace
}  // namespace circles::moderation::eval
