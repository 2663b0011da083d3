// Counselor paging through the real server, with a one-second acknowledgement deadline: a
// disclosure is held and answered with support, the on-duty counselor gets the escalation at
// once, an acknowledgement stops the re-page (even once its deadline has passed), an
// unacknowledged one goes to the next contact (without text or sender) and to the school's
// webhook (without text or names), and a SIGKILL right after the sender's ack neither loses
// the escalation nor its timer.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "harness.hpp"

namespace circles::test {
namespace {

// The school's deadline is one second and the server checks twice a second, so a re-page is
// due within about two; the wait leaves room for a loaded machine.
constexpr auto page_wait = 15s;

// A tiny HTTP server on loopback that answers 200 to every request and keeps the bodies.
class webhook_listener {
  public:
    webhook_listener() : acceptor_(ioc_, {net::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~webhook_listener() {
        stop_ = true;
        {
            // Closing the acceptor from here would not wake a blocked accept (and would race
            // with it): a connection of our own does, and serve() then sees stop_.
            net::io_context ioc;
            tcp::socket wake(ioc);
            beast::error_code ignored;
            wake.connect({net::ip::make_address("127.0.0.1"), port()}, ignored);
        }
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::optional<std::pair<std::string, std::string>> wait_post(std::chrono::seconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            {
                std::lock_guard lock(mutex_);
                if (!posts_.empty()) return posts_.front();
            }
            std::this_thread::sleep_for(50ms);
        }
        return std::nullopt;
    }

  private:
    void serve() {
        while (!stop_) {
            beast::error_code ec;
            tcp::socket s(ioc_);
            acceptor_.accept(s, ec);
            if (ec) return;
            beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(s, buf, req, ec);
            if (ec) continue;
            {
                std::lock_guard lock(mutex_);
                posts_.emplace_back(std::string(req.target()), req.body());
            }
            http::response<http::string_body> res{http::status::ok, 11};
            res.body() = "ok";
            res.prepare_payload();
            http::write(s, res, ec);
        }
    }

    net::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::string>> posts_;
};

class Paging : public ::testing::Test {
  protected:
    void SetUp() override {
        server_ = std::make_unique<server_process>(make_temp_dir() / "data");
        server_->start();  // seeds the demo: counselor at level 0, admin at level 1
        configure("--deadline-seconds 1");
    }
    void configure(const std::string& options) {
        const auto r = run_circles("admin school-escalation --school maple-grove --data " +
                                   server_->data_dir().string() + " " + options);
        ASSERT_EQ(r.status, 0) << r.output;
    }
    client connect(const std::string& user) {
        return client(server_->port(), login(server_->port(), user), server_->origin());
    }
    // riley's disclosure in Peer Network: stored, escalated, answered with support. (Whether it
    // is also held is the policy's call; the default policy lets a disclosure through.)
    void disclose(client& riley, const std::string& cmid) {
        const auto room = riley.room_id("Peer Network");
        ASSERT_TRUE(riley.join(room).has_joined());
        const auto r = riley.send_text(room, cmid, risky_text);
        ASSERT_TRUE(r.has_ack()) << r.DebugString();
        EXPECT_TRUE(r.ack().escalated());
        EXPECT_FALSE(r.ack().notice().empty()) << "the student always gets a supportive reply";
    }
    static std::optional<v1::EscalationEvent> wait_page(client& c, std::uint32_t level,
                                                        std::chrono::milliseconds limit) {
        auto f = c.wait_for(
            [&](const v1::ServerFrame& f) {
                return f.has_escalation() && f.escalation().paged_user_ids_size() > 0 &&
                       f.escalation().escalation().page_level() == level;
            },
            limit);
        if (!f) return std::nullopt;
        return f->escalation();
    }
    std::filesystem::path db() const { return server_->data_dir() / "circles.db"; }

    std::unique_ptr<server_process> server_;
};

// The acknowledgement must come before the deadline, however slow the machine: the deadline
// is long while the counselor acknowledges, and passes while the server is stopped (as for a
// school whose server was down longer than its deadline). A second escalation, left
// unacknowledged, is the barrier: its deadline is later, and the pager reads overdue
// escalations oldest deadline first, so once it is re-paged the pager has been past the
// acknowledged one's deadline.
TEST_F(Paging, CounselorGetsTheEscalationAndItsAckStopsTheRepage) {
    configure("--deadline-seconds 600");
    std::uint64_t acked_id = 0;  // the acknowledged escalation
    {
        client counselor = connect("counselor");
        client riley = connect("riley");
        // What was said before the disclosure: six messages (one from alex, then five from riley,
        // within the flood limit), of which the counselor sees the last five, oldest first.
        const auto room = riley.room_id("Peer Network");
        {
            client alex = connect("alex");
            ASSERT_TRUE(alex.join(room).has_joined());
            ASSERT_TRUE(alex.send_text(room, "before-1", "before number 1").has_ack());
        }
        ASSERT_TRUE(riley.join(room).has_joined());
        for (int i = 2; i <= 6; ++i) {
            ASSERT_TRUE(riley
                            .send_text(room, "before-" + std::to_string(i),
                                       "before number " + std::to_string(i))
                            .has_ack());
        }
        disclose(riley, "risk-ack");

        const auto page = wait_page(counselor, 0, page_wait);
        ASSERT_TRUE(page) << "the on-duty counselor is paged at once";
        const auto& e = page->escalation();
        ASSERT_EQ(e.context_size(), 5) << "the messages just before it come with it";
        for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(e.context(i).text(), "before number " + std::to_string(i + 2));
            EXPECT_EQ(e.context(i).sender().display_name(), "River Stone");
        }
        EXPECT_EQ(e.room_name(), "Peer Network");
        EXPECT_EQ(e.text(), risky_text) << "a counselor sees the triggering text";
        EXPECT_EQ(e.sender().display_name(), "River Stone");
        EXPECT_EQ(e.state(), v1::ESCALATION_STATE_OPEN);
        EXPECT_EQ(e.source(), v1::ESCALATION_SOURCE_RISK_RULE);
        ASSERT_GT(e.categories_size(), 0);
        EXPECT_GT(e.deadline_ms(), e.created_at_ms());
        EXPECT_EQ(page->paged_user_ids_size(), 1);
        EXPECT_EQ(page->paged_user_ids(0), counselor.hello().me().user_id());

        v1::ClientFrame list;
        list.mutable_list_escalations();
        auto listed = counselor.wait_reply(counselor.send(list));
        ASSERT_TRUE(listed && listed->has_escalations()) << (listed ? listed->DebugString() : "");
        ASSERT_EQ(listed->escalations().escalations_size(), 1);
        EXPECT_EQ(listed->escalations().escalations(0).escalation_id(), e.escalation_id());

        v1::ClientFrame ack;
        ack.mutable_ack_escalation()->set_escalation_id(e.escalation_id());
        auto acked = counselor.wait_reply(counselor.send(ack));
        ASSERT_TRUE(acked && acked->has_escalation_acked()) << (acked ? acked->DebugString() : "");
        EXPECT_EQ(acked->escalation_acked().escalation().state(),
                  v1::ESCALATION_STATE_ACKNOWLEDGED);
        EXPECT_EQ(acked->escalation_acked().escalation().acknowledged_by(),
                  counselor.hello().me().user_id());
        auto again = counselor.wait_reply(counselor.send(ack));
        ASSERT_TRUE(again && again->has_escalation_acked()) << "acknowledging twice is harmless";
        acked_id = e.escalation_id();
    }

    // Its deadline passes while the server is down; from now on the school's deadline is one
    // second again, for the barrier.
    ASSERT_EQ(server_->stop(SIGTERM), 0) << server_->log();
    const auto acked_row = " WHERE id = " + std::to_string(acked_id);
    ASSERT_TRUE(sqlite_exec(db(),
                            "UPDATE escalations SET next_page_at_ms = next_page_at_ms - "
                            "600000" +
                                acked_row));
    configure("--deadline-seconds 1");
    server_->start();  // its first check runs at once, past the acknowledged one's deadline
    client counselor = connect("counselor");
    client admin = connect("admin");
    client alex = connect("alex");
    disclose(alex, "risk-barrier");
    const auto barrier = wait_page(counselor, 0, page_wait);
    ASSERT_TRUE(barrier);
    const auto barrier_id = barrier->escalation().escalation_id();
    ASSERT_NE(barrier_id, acked_id);
    const auto repaged = [](std::uint64_t id) {
        return [id](const v1::ServerFrame& f) {
            return f.has_escalation() && f.escalation().escalation().escalation_id() == id &&
                   f.escalation().escalation().page_level() == 1;
        };
    };
    ASSERT_TRUE(admin.wait_for(repaged(barrier_id), page_wait))
        << "the unacknowledged escalation is re-paged to the next contact";
    ASSERT_TRUE(counselor.wait_for(repaged(barrier_id), page_wait)) << "counselors see every page";

    EXPECT_FALSE(admin.receives_before_pong(repaged(acked_id)))
        << "an acknowledged escalation must not be paged to the next contact";
    EXPECT_FALSE(counselor.receives_before_pong(repaged(acked_id)));
    EXPECT_EQ(sqlite_scalar(db(), "SELECT state || ':' || page_level FROM escalations" + acked_row),
              "acknowledged:0");
    EXPECT_EQ(sqlite_scalar(db(),
                            "SELECT count(*) FROM audit_log WHERE action = "
                            "'escalation.acknowledged'"),
              "1");
    EXPECT_EQ(sqlite_scalar(db(),
                            "SELECT count(*) FROM audit_log WHERE action = 'escalation.paged' "
                            "AND target = 'escalation:" +
                                std::to_string(acked_id) + "'"),
              "0");
}

TEST_F(Paging, OnlyTheSchoolsCounselorsListAndAcknowledge) {
    client counselor = connect("counselor");
    client admin = connect("admin");
    client riley = connect("riley");
    disclose(riley, "risk-errors");
    const auto page = wait_page(counselor, 0, page_wait);
    ASSERT_TRUE(page);
    const auto id = page->escalation().escalation_id();

    auto expect_error = [](client& c, const v1::ClientFrame& f, v1::ErrorCode code) {
        auto r = c.wait_reply(c.send(f));
        ASSERT_TRUE(r && r->has_error()) << (r ? r->DebugString() : "no answer");
        EXPECT_EQ(r->error().code(), code) << r->DebugString();
    };
    v1::ClientFrame ack;
    ack.mutable_ack_escalation()->set_escalation_id(id);
    expect_error(riley, ack, v1::ERROR_CODE_FORBIDDEN);
    expect_error(admin, ack, v1::ERROR_CODE_FORBIDDEN);
    v1::ClientFrame list;
    list.mutable_list_escalations();
    expect_error(riley, list, v1::ERROR_CODE_FORBIDDEN);
    v1::ClientFrame unknown;
    unknown.mutable_ack_escalation()->set_escalation_id(id + 1000);
    expect_error(counselor, unknown, v1::ERROR_CODE_ESCALATION_NOT_FOUND);
    v1::ClientFrame zero;
    zero.mutable_ack_escalation();
    expect_error(counselor, zero, v1::ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_EQ(sqlite_scalar(db(), "SELECT state FROM escalations"), "open");
}

TEST_F(Paging, WithoutAckTheNextContactAndTheWebhookArePaged) {
    webhook_listener hook;
    configure("--webhook http://bridge:s3cret@127.0.0.1:" + std::to_string(hook.port()) +
              "/hook?token=t0ken");
    client counselor = connect("counselor");
    client admin = connect("admin");
    client riley = connect("riley");
    disclose(riley, "risk-noack");
    ASSERT_TRUE(wait_page(counselor, 0, page_wait));

    const auto next = wait_page(admin, 1, page_wait);
    ASSERT_TRUE(next) << "nobody acknowledged: the level-1 contact is paged";
    EXPECT_EQ(next->paged_user_ids(0), admin.hello().me().user_id());
    EXPECT_TRUE(next->escalation().text().empty()) << "only counselors see the text";
    EXPECT_EQ(next->escalation().context_size(), 0) << "nor the context";
    EXPECT_FALSE(next->escalation().has_sender()) << "only counselors see who wrote it";
    EXPECT_EQ(next->escalation().state(), v1::ESCALATION_STATE_OPEN);
    EXPECT_TRUE(wait_page(counselor, 1, page_wait)) << "counselors see every page";

    const auto post = hook.wait_post(15s);
    ASSERT_TRUE(post) << "the school's webhook is posted to";
    EXPECT_EQ(post->first, "/hook?token=t0ken");
    EXPECT_NE(post->second.find("\"escalation_id\""), std::string::npos) << post->second;
    EXPECT_NE(post->second.find("\"page_level\""), std::string::npos) << post->second;
    for (const char* secret : {"pills", "River Stone", "riley", "Peer Network"}) {
        EXPECT_EQ(post->second.find(secret), std::string::npos)
            << "the webhook body holds no text or names: " << post->second;
    }
    const auto log = server_->log();
    EXPECT_EQ(log.find("s3cret"), std::string::npos) << "no webhook credentials in the log";
    EXPECT_EQ(log.find("t0ken"), std::string::npos) << "no webhook query in the log";
    EXPECT_EQ(log.find("pills"), std::string::npos) << "no message text in the log";
}

TEST_F(Paging, SigkillAfterTheSendersAckKeepsTheEscalationAndItsTimer) {
    configure("--deadline-seconds 2");
    {
        client riley = connect("riley");
        disclose(riley, "risk-kill");
        server_->stop(SIGKILL);  // right after the ack: no flush, no goodbye
    }
    EXPECT_EQ(sqlite_scalar(db(), "SELECT state || ':' || page_level FROM escalations"), "open:0")
        << "the escalation was durable before the sender heard back";
    server_->start();
    client admin = connect("admin");
    const auto next = wait_page(admin, 1, page_wait);
    ASSERT_TRUE(next) << "the re-page timer survives the restart";
    EXPECT_TRUE(next->escalation().text().empty());
}

TEST_F(Paging, SchoolEscalationCommandRefusesBadInputAndHidesCredentials) {
    const std::string base =
        "admin school-escalation --school maple-grove --data " + server_->data_dir().string();
    for (const std::string bad :
         {"--deadline-seconds 0", "--deadline-seconds 90000", "--deadline-seconds soon",
          "--webhook https://bridge.example/hook", "--webhook ftp://x", "--contacts nobody",
          "--contacts riley", "--contacts \"counselor;;admin\"", "--deadline-seconds"}) {
        const auto r = run_circles(base + " " + bad);
        EXPECT_NE(r.status, 0) << bad << ": " << r.output;
        EXPECT_NE(r.output.find("circles: "), std::string::npos) << "a clear error: " << r.output;
    }
    EXPECT_NE(run_circles("admin school-escalation --school nowhere --data " +
                          server_->data_dir().string())
                  .status,
              0);
    const auto shown = run_circles(base + " --webhook http://user:pw-secret@127.0.0.1:9/h?k=v");
    ASSERT_EQ(shown.status, 0) << shown.output;
    EXPECT_NE(shown.output.find("http://127.0.0.1:9/h"), std::string::npos) << shown.output;
    EXPECT_EQ(shown.output.find("pw-secret"), std::string::npos) << shown.output;
    EXPECT_EQ(shown.output.find("k=v"), std::string::npos) << shown.output;
    EXPECT_NE(shown.output.find("level 0: counselor"), std::string::npos) << shown.output;
    EXPECT_NE(shown.output.find("level 1: admin"), std::string::npos) << shown.output;
}

}  // namespace
}  // namespace circles::test
