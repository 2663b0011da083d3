// The pager: level 0 at once, the next level after each missed deadline (the last repeats),
// nothing after an acknowledgement, and a restart that finds the deadline where it was. A real
// SQLite store in a temporary folder; the clock and the notifier are fakes.
#include "circles/moderation/pager.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <future>

#include "circles/storage/store.hpp"

namespace circles::moderation {
namespace {

struct fake_notifier final : notifier {
    std::vector<page> pages;
    int retries = 0;
    void notify(const page& p) override { pages.push_back(p); }
    void retry_failed() override { ++retries; }
};

class Pager : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "circles-pager-XXXXXX");
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        open();
        auto sch = store_->create_school("maple", "Maple");
        ASSERT_TRUE(sch);
        school_ = sch->id;
        auto student = store_->create_user(school_, "ana", "Ana", storage::role::student, "pw");
        auto c0 = store_->create_user(school_, "c0", "C0", storage::role::counselor, "pw");
        auto c1 = store_->create_user(school_, "c1", "C1", storage::role::counselor, "pw");
        auto head = store_->create_user(school_, "head", "Head", storage::role::admin, "pw");
        auto room = store_->create_room(school_, "Peer", "peer_network");
        ASSERT_TRUE(student && c0 && c1 && head && room);
        student_ = student->id;
        counselor_ = c0->id;
        level1_ = c1->id;
        head_ = head->id;
        room_ = room->id;
        ASSERT_TRUE(store_->add_member(room_, student_));
        ASSERT_TRUE(store_->set_escalation_settings(
            {school_, 60'000, "http://127.0.0.1:1/hook", {{counselor_}, {level1_}, {head_}}}));
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }
    void open() {
        storage::store_options o;
        o.data_dir = dir_;
        store_ = storage::open_store("", o);
    }
    std::int64_t disclose(const std::string& cmid) {
        storage::append_request req;
        req.room = room_;
        req.sender = student_;
        req.client_msg_id = cmid;
        req.text = "i want to disappear";
        req.status = storage::message_status::held;
        req.escalation = storage::escalation_request{
            storage::escalation_source::risk_rule, {"self_harm"}, "risk.1"};
        std::promise<storage::result<storage::append_result>> done;
        store_->append(req, [&](auto r) { done.set_value(std::move(r)); });
        auto r = done.get_future().get();
        EXPECT_TRUE(r);
        return r ? r->escalation_id : 0;
    }
    storage::escalation get(std::int64_t id) { return *store_->get_escalation(id); }

    std::filesystem::path dir_;
    std::unique_ptr<storage::store> store_;
    storage::school_id school_ = 0;
    storage::user_id student_ = 0, counselor_ = 0, level1_ = 0, head_ = 0;
    storage::room_id room_ = 0;
    std::int64_t now_ = 0;
    fake_notifier notified_;
    pager::clock clock_ = [this] { return now_; };
};

TEST_F(Pager, NewEscalationPagesLevelZeroWithTheSchoolsWebhook) {
    pager p(*store_, notified_, clock_);
    const auto id = disclose("m1");
    EXPECT_TRUE(p.opened(id));
    ASSERT_EQ(notified_.pages.size(), 1u);
    const auto& page = notified_.pages.front();
    EXPECT_EQ(page.escalation.id, id);
    EXPECT_EQ(page.escalation.page_level, 0);
    EXPECT_EQ(page.to, std::vector<storage::user_id>{counselor_});
    EXPECT_EQ(page.webhook_url, "http://127.0.0.1:1/hook");
}

TEST_F(Pager, MissedDeadlinesClimbTheListAndTheLastLevelRepeats) {
    pager p(*store_, notified_, clock_);
    const auto id = disclose("m1");
    p.opened(id);
    const auto deadline = get(id).next_page_at_ms;

    now_ = deadline - 1;
    EXPECT_EQ(p.check(), 0u) << "nothing is due before the deadline";
    EXPECT_EQ(notified_.pages.size(), 1u);

    now_ = deadline;
    EXPECT_EQ(p.check(), 1u);
    ASSERT_EQ(notified_.pages.size(), 2u);
    EXPECT_EQ(notified_.pages[1].escalation.page_level, 1);
    EXPECT_EQ(notified_.pages[1].to, std::vector<storage::user_id>{level1_});
    EXPECT_EQ(get(id).next_page_at_ms, deadline + 60'000);
    EXPECT_EQ(p.check(), 0u) << "paged once per deadline";

    now_ = deadline + 60'000;
    EXPECT_EQ(p.check(), 1u);
    EXPECT_EQ(notified_.pages.back().to, std::vector<storage::user_id>{head_});
    now_ = deadline + 120'000;
    EXPECT_EQ(p.check(), 1u);
    EXPECT_EQ(notified_.pages.back().escalation.page_level, 2) << "the last level repeats";
    EXPECT_EQ(notified_.pages.back().to, std::vector<storage::user_id>{head_});
    EXPECT_GE(notified_.retries, 1) << "every check gives failed deliveries another try";
}

TEST_F(Pager, AcknowledgedEscalationIsNotPagedAgain) {
    pager p(*store_, notified_, clock_);
    const auto id = disclose("m1");
    p.opened(id);
    ASSERT_TRUE(store_->acknowledge_escalation(id, counselor_));
    now_ = get(id).next_page_at_ms + 1'000'000;
    EXPECT_EQ(p.check(), 0u);
    EXPECT_EQ(notified_.pages.size(), 1u);
}

TEST_F(Pager, RestartCatchesUpOnWhatCameDueWhileDown) {
    const auto id = disclose("m1");
    const auto deadline = get(id).next_page_at_ms;
    store_.reset();  // the server stops before anyone was paged
    open();
    now_ = deadline + 5;
    pager p(*store_, notified_, clock_);
    EXPECT_EQ(p.check(), 1u);
    ASSERT_EQ(notified_.pages.size(), 1u);
    EXPECT_EQ(notified_.pages[0].escalation.id, id);
    EXPECT_EQ(notified_.pages[0].escalation.page_level, 1);
}

TEST_F(Pager, TwoPagersOnOneStorePageOnce) {
    fake_notifier other;
    pager a(*store_, notified_, clock_);
    pager b(*store_, other, clock_);
    const auto id = disclose("m1");
    now_ = get(id).next_page_at_ms;
    EXPECT_EQ(a.check() + b.check(), 1u);
    EXPECT_EQ(notified_.pages.size() + other.pages.size(), 1u);
}

}  // namespace
}  // namespace circles::moderation
