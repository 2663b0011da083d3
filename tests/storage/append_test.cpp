// The append path: group commit, idempotency, back-pressure, per-request failure, shutdown.
#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::eventually;
using testing::make_request;
using testing::writer_hold;

class StoreAppend : public testing::store_test {};

// Keeps every line the process logs (spdlog's default logger) while it is installed.
class captured_log final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    static std::shared_ptr<captured_log> install() {
        auto sink = std::make_shared<captured_log>();
        spdlog::default_logger()->sinks().push_back(sink);
        return sink;
    }
    void uninstall() {
        auto& sinks = spdlog::default_logger()->sinks();
        std::erase_if(sinks, [this](const spdlog::sink_ptr& sink) { return sink.get() == this; });
    }
    std::vector<std::string> lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}

  private:
    std::vector<std::string> lines_;
};

TEST_P(StoreAppend, ConcurrentAppendsGetGapFreeSeqsPerRoomAndAckAfterCommit) {
    auto options = this->options();
    options.max_batch = 64;
    auto s = open_seeded(options, 3);
    // The callbacks run on the writer thread: what they see through a connection of their
    // own is what was committed.
    auto& checker = raw();

    constexpr int threads = 4;
    constexpr int per_thread = 150;
    std::mutex m;
    std::map<room_id, std::vector<seq_t>> acked;  // in callback order
    std::atomic<int> not_yet_committed{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> producers;
    for (int t = 0; t < threads; ++t) {
        producers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const room_id room = s.rooms[(t + i) % s.rooms.size()].id;
                auto req = make_request(room, s.student.id,
                                        "t" + std::to_string(t) + "-" + std::to_string(i),
                                        "message " + std::to_string(i));
                s.db->append(std::move(req), [&, room](result<append_result> r) {
                    if (!r) {
                        ++failures;
                        return;
                    }
                    const auto present = checker.scalar(
                        "SELECT count(*) FROM messages WHERE room_id = " + std::to_string(room) +
                        " AND seq = " + std::to_string(r->seq));
                    if (present != 1) ++not_yet_committed;
                    std::lock_guard lock(m);
                    acked[room].push_back(r->seq);
                });
            }
        });
    }
    for (auto& p : producers) p.join();
    s.db->flush();

    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(not_yet_committed.load(), 0);
    std::size_t total = 0;
    for (const auto& r : s.rooms) {
        const auto& seqs = acked[r.id];
        total += seqs.size();
        for (std::size_t i = 0; i < seqs.size(); ++i) {
            ASSERT_EQ(seqs[i], i + 1) << "room " << r.id << ": callbacks out of seq order";
        }
        EXPECT_EQ(s.db->get_room(r.id)->last_seq, seqs.size());
    }
    EXPECT_EQ(total, std::size_t{threads * per_thread});
}

TEST_P(StoreAppend, RetriedClientMsgIdIsStoredOnce) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    auto first = append_and_wait(*s.db, make_request(room, s.student.id, "c-1", "hello"));
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->duplicate);
    append_and_wait(*s.db, make_request(room, s.student.id, "c-2", "second")).value();

    auto retry = append_and_wait(*s.db, make_request(room, s.student.id, "c-1", "hello"));
    ASSERT_TRUE(retry.has_value());
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, first->seq);
    EXPECT_EQ(retry->created_at_ms, first->created_at_ms);

    EXPECT_EQ(raw().scalar("SELECT count(*) FROM messages WHERE client_msg_id = 'c-1'"), 1);
    EXPECT_EQ(s.db->get_room(room)->last_seq, 2u);
}

TEST_P(StoreAppend, RetryIsRecognisedWhateverCharactersTheClientMsgIdHolds) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    const std::string ids[] = {"a\"b\\c", "{x,y}", "NULL", "'; DROP TABLE messages; --",
                               "\xc3\xa9t\xc3\xa9 \xf0\x9f\x8c\x88"};
    std::vector<seq_t> seqs;
    for (const auto& id : ids) {
        auto r = append_and_wait(*s.db, make_request(room, s.student.id, id, "x"));
        ASSERT_TRUE(r.has_value()) << id;
        seqs.push_back(r->seq);
    }
    for (std::size_t i = 0; i < std::size(ids); ++i) {
        auto retry = append_and_wait(*s.db, make_request(room, s.student.id, ids[i], "x"));
        ASSERT_TRUE(retry.has_value()) << ids[i];
        EXPECT_TRUE(retry->duplicate) << ids[i];
        EXPECT_EQ(retry->seq, seqs[i]) << ids[i];
    }
    const auto stored = s.db->since(room, 0, 10);
    ASSERT_TRUE(stored.has_value());
    ASSERT_EQ(stored->size(), std::size(ids));
    for (std::size_t i = 0; i < std::size(ids); ++i) EXPECT_EQ(stored->at(i).client_msg_id, ids[i]);
    // Not UTF-8: refused by both stores alike, before it reaches a database.
    auto bad = append_and_wait(*s.db, make_request(room, s.student.id, "\xff\xfe", "x"));
    EXPECT_EQ(bad.error(), make_error_code(errc::invalid_argument));
}

TEST_P(StoreAppend, DuplicateInsideOneBatchGetsTheFirstSeq) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    std::vector<result<append_result>> got(3, errc::io_error);
    {
        writer_hold hold(*s.db, room, s.student.id);  // seq 1
        s.db->append(make_request(room, s.student.id, "same", "once"),
                     [&](result<append_result> r) { got[0] = r; });
        s.db->append(make_request(room, s.student.id, "other", "other"),
                     [&](result<append_result> r) { got[1] = r; });
        s.db->append(make_request(room, s.student.id, "same", "once"),
                     [&](result<append_result> r) { got[2] = r; });
    }
    s.db->flush();
    ASSERT_TRUE(got[0].has_value() && got[1].has_value() && got[2].has_value());
    EXPECT_EQ(got[0]->seq, 2u);
    EXPECT_FALSE(got[0]->duplicate);
    EXPECT_EQ(got[1]->seq, 3u);
    EXPECT_EQ(got[2]->seq, 2u);
    EXPECT_TRUE(got[2]->duplicate);
    EXPECT_EQ(s.db->get_room(room)->last_seq, 3u);
}

TEST_P(StoreAppend, FullQueueCompletesWithOverloadedAtOnce) {
    auto options = this->options();
    options.max_pending_appends = 4;
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    std::atomic<int> ok{0};
    result<append_result> refused = errc::ok;
    std::thread::id refused_on;
    {
        writer_hold hold(*s.db, room, s.student.id);
        for (int i = 0; i < 4; ++i) {
            s.db->append(make_request(room, s.student.id, "q" + std::to_string(i), "x"),
                         [&](result<append_result> r) { ok += r.has_value(); });
        }
        bool called = false;
        s.db->append(make_request(room, s.student.id, "q-over", "x"), [&](result<append_result> r) {
            called = true;
            refused = r;
            refused_on = std::this_thread::get_id();
        });
        EXPECT_TRUE(called) << "an overloaded append must complete immediately";
    }
    s.db->flush();
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error(), make_error_code(errc::overloaded));
    EXPECT_EQ(refused_on, std::this_thread::get_id());
    EXPECT_EQ(ok.load(), 4);
    // The queue drained, so appends are accepted again.
    EXPECT_TRUE(append_and_wait(*s.db, make_request(room, s.student.id, "later", "x")));
}

TEST_P(StoreAppend, AppendToMissingRoomFailsAloneInItsBatch) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    std::vector<result<append_result>> got(4, errc::io_error);
    {
        writer_hold hold(*s.db, room, s.student.id);  // seq 1
        s.db->append(make_request(room, s.student.id, "a", "first"),
                     [&](result<append_result> r) { got[0] = r; });
        s.db->append(make_request(room + 1000, s.student.id, "b", "lost"),
                     [&](result<append_result> r) { got[1] = r; });
        s.db->append(make_request(room, s.student.id + 1000, "c", "no such sender"),
                     [&](result<append_result> r) { got[2] = r; });
        s.db->append(make_request(room, s.student.id, "d", "last"),
                     [&](result<append_result> r) { got[3] = r; });
    }
    s.db->flush();
    ASSERT_TRUE(got[0].has_value());
    EXPECT_EQ(got[0]->seq, 2u);
    EXPECT_EQ(got[1].error(), make_error_code(errc::not_found));
    EXPECT_EQ(got[2].error(), make_error_code(errc::not_found));
    ASSERT_TRUE(got[3].has_value());
    EXPECT_EQ(got[3]->seq, 3u);  // no gap where the failures were

    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->messages.size(), 3u);
    EXPECT_EQ(page->messages[1].text, "first");
    EXPECT_EQ(page->messages[2].text, "last");
}

// The store checks every reference a message or an escalation makes (SQLite's writer does it
// itself rather than through foreign keys): an unknown sender is refused alone, whether the
// message goes into the room, comes with an escalation, or is an escalation only, before and
// after the same sender was refused once; nothing refers to a user or room that is not there.
TEST_P(StoreAppend, UnknownSendersAreRefusedAndNoRowRefersToNothing) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    const user_id nobody = s.student.id + 1000;
    auto with_escalation = [&](user_id sender, std::string id, bool into_room) {
        auto req = make_request(room, sender, std::move(id), "i want to hurt myself");
        req.escalation = escalation_request{escalation_source::risk_rule, {"self_harm"}, "r"};
        req.into_room = into_room;
        return req;
    };
    for (int round = 0; round < 2; ++round) {
        const std::string n = std::to_string(round);
        EXPECT_EQ(append_and_wait(*s.db, make_request(room, nobody, "m" + n, "x")).error(),
                  make_error_code(errc::not_found));
        EXPECT_EQ(append_and_wait(*s.db, with_escalation(nobody, "e" + n, true)).error(),
                  make_error_code(errc::not_found));
        EXPECT_EQ(append_and_wait(*s.db, with_escalation(nobody, "k" + n, false)).error(),
                  make_error_code(errc::not_found));
        auto ok = append_and_wait(*s.db, with_escalation(s.student.id, "ok" + n, true));
        ASSERT_TRUE(ok) << ok.error().message();
        EXPECT_NE(ok->escalation_id, 0);
    }
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM messages"), 2);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM escalations"), 2);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM messages m WHERE NOT EXISTS"
                           " (SELECT 1 FROM users u WHERE u.id = m.sender_id) OR NOT EXISTS"
                           " (SELECT 1 FROM rooms r WHERE r.id = m.room_id) OR NOT EXISTS"
                           " (SELECT 1 FROM room_keys k WHERE k.key_id = m.key_id)"),
              0);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM escalations e WHERE NOT EXISTS"
                           " (SELECT 1 FROM users u WHERE u.id = e.sender_id) OR NOT EXISTS"
                           " (SELECT 1 FROM rooms r WHERE r.id = e.room_id) OR NOT EXISTS"
                           " (SELECT 1 FROM schools c WHERE c.id = e.school_id)"),
              0);
}

TEST_P(StoreAppend, InvalidRequestIsRefused) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    auto no_id = append_and_wait(*s.db, make_request(room, s.student.id, "", "x"));
    EXPECT_EQ(no_id.error(), make_error_code(errc::invalid_argument));
    auto huge =
        append_and_wait(*s.db, make_request(room, s.student.id, "big", std::string(1 << 20, 'x')));
    EXPECT_EQ(huge.error(), make_error_code(errc::invalid_argument));
}

TEST_P(StoreAppend, ClosingStoreCommitsQueuedAppendsAndRefusesNewOnes) {
    auto options = this->options();
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    const user_id sender = s.student.id;
    store* db = s.db.get();

    std::atomic<int> committed{0};
    result<append_result> late = errc::ok;
    std::thread closer;
    {
        writer_hold hold(*db, room, sender);
        for (int i = 0; i < 20; ++i) {
            db->append(make_request(room, sender, "q" + std::to_string(i), "queued"),
                       [&](result<append_result> r) { committed += r.has_value(); });
        }
        closer = std::thread([&] { s.db.reset(); });
        // Wait until the destructor has started: a new append is then refused inline.
        for (;;) {
            auto closed = std::make_shared<std::atomic<bool>>(false);
            db->append(make_request(room, sender, "probe", "p"), [closed](result<append_result> r) {
                if (!r && r.error() == make_error_code(errc::closed)) *closed = true;
            });
            if (*closed) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        db->append(make_request(room, sender, "late", "l"),
                   [&](result<append_result> r) { late = r; });
    }  // releases the writer; the destructor drains the queue
    closer.join();
    EXPECT_EQ(committed.load(), 20);
    EXPECT_EQ(late.error(), make_error_code(errc::closed));

    auto again = open(options);
    auto page = again->history(room, 0, 100);
    ASSERT_TRUE(page.has_value());
    // hold + 20 queued (+ at most one probe that was queued before closing began)
    EXPECT_GE(page->messages.size(), 21u);
    for (std::size_t i = 0; i < page->messages.size(); ++i) {
        EXPECT_EQ(page->messages[i].seq, i + 1);
    }
}

TEST_P(StoreAppend, OneCommitPerMessageStillNumbersGapFree) {
    auto options = this->options();
    options.max_batch = 1;
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    std::vector<seq_t> seqs;
    for (int i = 0; i < 20; ++i) {
        s.db->append(make_request(room, s.student.id, std::to_string(i), "m"),
                     [&](result<append_result> r) { seqs.push_back(r.value().seq); });
    }
    s.db->flush();
    ASSERT_EQ(seqs.size(), 20u);
    for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

TEST_P(StoreAppend, AStreamOfAppendsWaitsForTheGroupCommitInterval) {
    using clock = std::chrono::steady_clock;
    auto options = this->options();
    options.group_commit_interval = std::chrono::milliseconds(300);
    options.group_commit_full = 1000;
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    std::mutex m;
    std::vector<clock::time_point> done;  // when each callback ran
    std::vector<seq_t> seqs;
    const auto append = [&](const std::string& id) {
        s.db->append(make_request(room, s.student.id, id, "x"), [&](result<append_result> r) {
            std::lock_guard lock(m);
            done.push_back(clock::now());
            if (r) seqs.push_back(r->seq);
        });
    };
    const auto committed = [&](std::size_t n) {
        return eventually([&] {
            std::lock_guard lock(m);
            return seqs.size() >= n;
        });
    };
    // The first commit's callback runs before the commit returns, so the interval is counted
    // from no earlier than the moment it ran.
    append("first");
    ASSERT_TRUE(committed(1));
    for (int i = 0; i < 5; ++i) append("next" + std::to_string(i));
    ASSERT_TRUE(committed(6));
    std::lock_guard lock(m);
    ASSERT_EQ(seqs, (std::vector<seq_t>{1, 2, 3, 4, 5, 6}));
    for (std::size_t i = 1; i < done.size(); ++i) {
        EXPECT_GE(done[i] - done[0], std::chrono::milliseconds(300));
    }
}

TEST_P(StoreAppend, TheFirstAppendAndAFullQueueCommitWithoutWaitingForTheInterval) {
    auto options = this->options();
    options.group_commit_interval = std::chrono::hours(1);
    options.group_commit_full = 4;
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    // Nothing was committed for an hour before the store opened: no wait.
    std::atomic<int> first{0};
    s.db->append(make_request(room, s.student.id, "first", "x"),
                 [&](result<append_result> r) { first += r.has_value(); });
    EXPECT_TRUE(eventually([&] { return first == 1; }));
    // Four waiting appends are a full batch: committed at once, not an hour later.
    std::atomic<int> full{0};
    for (int i = 0; i < 4; ++i) {
        s.db->append(make_request(room, s.student.id, "full" + std::to_string(i), "x"),
                     [&](result<append_result> r) { full += r.has_value(); });
    }
    EXPECT_TRUE(eventually([&] { return full == 4; }));
    // Three wait for the interval (or the close) ...
    std::atomic<int> paced{0};
    for (int i = 0; i < 3; ++i) {
        s.db->append(make_request(room, s.student.id, "paced" + std::to_string(i), "x"),
                     [&](result<append_result> r) { paced += r.has_value(); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(paced.load(), 0);
    // ... and closing the store commits them at once.
    s.db.reset();
    EXPECT_EQ(paced.load(), 3);
    auto page = open(options)->history(room, 0, 100);
    ASSERT_TRUE(page.has_value());
    EXPECT_EQ(page->messages.size(), 8u);
}

TEST_P(StoreAppend, ASendHeldPastTheSlowCommitThresholdIsLoggedOnceWithoutItsText) {
    auto options = this->options();
    options.slow_commit_warning = std::chrono::milliseconds(100);
    options.slow_commit_warning_every = std::chrono::hours(1);
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    auto log = captured_log::install();
    std::atomic<int> committed{0};
    {
        // The writer is held in the first batch's callback for 250 ms: that batch is slow, and
        // so is the next, whose sends waited behind it; within the hour, one line for both.
        testing::writer_hold hold(*s.db, room, s.student.id);
        for (int i = 0; i < 2; ++i) {
            s.db->append(make_request(room, s.student.id, "held" + std::to_string(i),
                                      "my secret words about lunch"),
                         [&](result<append_result> r) { committed += r.has_value(); });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    ASSERT_TRUE(eventually([&] { return committed == 2; }));
    s.db->flush();
    log->uninstall();
    std::vector<std::string> slow;
    for (const auto& line : log->lines()) {
        EXPECT_EQ(line.find("secret"), std::string::npos) << line;
        if (line.starts_with("storage: slow commit: a send waited ")) slow.push_back(line);
    }
    ASSERT_EQ(slow.size(), 1u);
    const long waited = std::stol(slow[0].substr(slow[0].find("waited ") + 7));
    EXPECT_GE(waited, 250) << slow[0];
    EXPECT_NE(slow[0].find("(1 in the batch"), std::string::npos) << slow[0];
}

TEST_P(StoreAppend, ASendHeldUnderTheSlowCommitThresholdIsNotLogged) {
    auto options = this->options();
    options.slow_commit_warning = std::chrono::minutes(10);
    auto s = open_seeded(options);
    const room_id room = s.rooms[0].id;
    auto log = captured_log::install();
    {
        testing::writer_hold hold(*s.db, room, s.student.id);
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    s.db->flush();
    log->uninstall();
    for (const auto& line : log->lines()) {
        EXPECT_FALSE(line.starts_with("storage: slow commit")) << line;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAppend, testing::all_backends(), testing::backend_name);

}  // namespace
}  // namespace circles::storage
