// The audit trail is a hash chain: `verify_audit` passes on the log a store wrote, and names
// the first broken entry after a row is edited, deleted or swapped with another, or the end
// is cut off, on SQLite and on PostgreSQL alike. Entries from many threads (and, on
// PostgreSQL, from two nodes) form one chain, and no entry holds message text.
#include "circles/storage/audit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "circles/storage/limits.hpp"
#include "circles/storage/store.hpp"
#include "test_support.hpp"

namespace circles::storage {
namespace {

using testing::append_and_wait;
using testing::make_request;
using testing::read_file_bytes;
using testing::seeded_store;
using testing::writer_hold;

constexpr const char* risky_text = "i have been saving my pills so i can take them all";

append_request risky(room_id room, user_id sender, std::string cmid) {
    auto req = make_request(room, sender, std::move(cmid), risky_text);
    req.escalation = escalation_request{escalation_source::risk_rule, {"self_harm"}, "risk.1"};
    return req;
}

audit_record muted(const seeded_store& s, int i) {
    return {s.sch.id,
            s.student.id,
            "member.muted",
            s.rooms[0].id,
            "user:" + std::to_string(i),
            "minutes=10 ground_rule=1"};
}

class StoreAudit : public testing::store_test {
  protected:
    // `n` entries through append_audit, then one escalation (which audits itself); closed.
    void write_log(int n) {
        auto s = open_seeded();
        for (int i = 1; i <= n; ++i) ASSERT_TRUE(s.db->append_audit(muted(s, i))) << i;
        ASSERT_TRUE(append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "risk-1")));
    }
    audit_verdict verify() { return verify_audit(url(), options().data_dir); }
    std::filesystem::path head_file() { return options().data_dir / "audit.head"; }
    // What verify said, for failure messages.
    static std::string said(const audit_verdict& v) {
        return "first_broken=" + std::to_string(v.first_broken) + " problem=" + v.problem;
    }
    // verify() fails, naming `entry` first, in a problem that says `words`.
    void expect_broken_at(std::int64_t entry, const std::string& words = {}) {
        const auto v = verify();
        EXPECT_FALSE(v.ok);
        EXPECT_EQ(v.first_broken, entry) << said(v);
        EXPECT_NE(v.problem.find(words), std::string::npos) << said(v);
    }
    // Sets the database's head back to entry `id`, as one who cut entries off would.
    void set_head_back_to(int id) {
        const auto n = std::to_string(id);
        raw().exec("UPDATE audit_head SET last_id = " + n +
                   ", last_hash = (SELECT hash FROM audit_log WHERE id = " + n + ")");
    }
};

TEST_P(StoreAudit, AnUntouchedLogVerifies) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    const auto v = verify();
    EXPECT_TRUE(v.ok) << said(v);
    EXPECT_EQ(v.entries, 6);  // five actions and the escalation
    EXPECT_EQ(v.first_broken, 0);
    EXPECT_EQ(v.head_id, 6);
    EXPECT_EQ(v.head_hash.size(), 64u);
    EXPECT_TRUE(v.head_file_found);
    EXPECT_EQ(read_file_bytes(head_file()), "6 " + v.head_hash + "\n");
    EXPECT_EQ(raw().scalar("SELECT last_id FROM audit_head"), 6);
}

TEST_P(StoreAudit, AnEmptyLogVerifies) {
    open_seeded().db.reset();
    const auto v = verify();
    EXPECT_TRUE(v.ok) << said(v);
    EXPECT_EQ(v.entries, 0);
    EXPECT_FALSE(v.head_file_found);  // nothing appended, nothing written
}

TEST_P(StoreAudit, TheChainContinuesAcrossReopen) {
    seeded_store first = open_seeded();
    ASSERT_TRUE(first.db->append_audit(muted(first, 1)));
    ASSERT_TRUE(first.db->append_audit(muted(first, 2)));
    first.db.reset();
    {
        auto again = open();
        auto id = again->append_audit(muted(first, 3));
        ASSERT_TRUE(id);
        EXPECT_EQ(*id, 3);
        ASSERT_TRUE(append_and_wait(*again, risky(first.rooms[0].id, first.student.id, "r")));
    }
    const auto v = verify();
    EXPECT_TRUE(v.ok) << said(v);
    EXPECT_EQ(v.entries, 4);
}

TEST_P(StoreAudit, AnEditedEntryIsNamed) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    raw().exec("UPDATE audit_log SET detail = 'minutes=1 ground_rule=1' WHERE id = 3");
    expect_broken_at(3, "entry 3 was altered");
    EXPECT_EQ(verify().entries, 2);
}

TEST_P(StoreAudit, AnEditedEscalationEntryIsNamed) {
    ASSERT_NO_FATAL_FAILURE(write_log(2));
    raw().exec("UPDATE audit_log SET actor_id = 99 WHERE action = 'escalation.opened'");
    expect_broken_at(3, "altered");
}

TEST_P(StoreAudit, ADeletedEntryIsNamed) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    raw().exec("DELETE FROM audit_log WHERE id = 4");
    expect_broken_at(4, "entry 4 is missing");
}

TEST_P(StoreAudit, SwappedEntriesAreNamed) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    // Entries 2 and 3 trade places: every column but the id swaps.
    raw().exec("UPDATE audit_log SET id = -2 WHERE id = 2");
    raw().exec("UPDATE audit_log SET id = 2 WHERE id = 3");
    raw().exec("UPDATE audit_log SET id = 3 WHERE id = -2");
    expect_broken_at(2, "entry 2 does not follow entry 1");
}

TEST_P(StoreAudit, ACutOffEndIsNamed) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    raw().exec("DELETE FROM audit_log WHERE id >= 5");
    expect_broken_at(5, "the database's chain head names entry 6 (the end was cut off)");
}

// Whoever cuts the end off and also sets the database's head back to the new last entry is
// still caught by audit.head, outside the database.
TEST_P(StoreAudit, ACutOffEndWithItsHeadSetBackIsCaughtByTheHeadFile) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    raw().exec("DELETE FROM audit_log WHERE id >= 5");
    set_head_back_to(4);
    expect_broken_at(5, "audit.head names entry 6");
}

TEST_P(StoreAudit, AnEmptiedLogIsCaughtByTheHeadFile) {
    ASSERT_NO_FATAL_FAILURE(write_log(3));
    raw().exec("DELETE FROM audit_log");
    const std::vector<unsigned char> zeros(32, 0);
    raw().exec("UPDATE audit_head SET last_id = 0, last_hash = " + raw().blob_literal(zeros));
    expect_broken_at(1, "audit.head names entry 4");
}

TEST_P(StoreAudit, AHeadSetBackAloneIsNamed) {
    ASSERT_NO_FATAL_FAILURE(write_log(5));
    set_head_back_to(4);
    expect_broken_at(5, "past the database's chain head");
}

// After a restore from an older copy the store goes on appending, but audit.head keeps naming
// the lost end instead of following the new one, so the restore stays visible.
TEST_P(StoreAudit, TheHeadFileNeverMovesBack) {
    seeded_store first = open_seeded();
    for (int i = 1; i <= 4; ++i) ASSERT_TRUE(first.db->append_audit(muted(first, i)));
    first.db.reset();
    const std::string head_before = read_file_bytes(head_file());
    raw().exec("DELETE FROM audit_log WHERE id >= 3");
    set_head_back_to(2);
    {
        auto again = open();
        auto id = again->append_audit(muted(first, 5));
        ASSERT_TRUE(id);
        EXPECT_EQ(*id, 3);
    }
    EXPECT_EQ(read_file_bytes(head_file()), head_before);
    expect_broken_at(4, "audit.head names entry 4");
}

// An escalation commits with its entry or not at all: with the head row gone, neither an
// entry nor an escalation is stored, and verify names the damage.
TEST_P(StoreAudit, AMissingHeadRowStopsEscalationsAndIsNamed) {
    auto s = open_seeded();
    ASSERT_TRUE(s.db->append_audit(muted(s, 1)));
    raw().exec("DELETE FROM audit_head");
    auto id = s.db->append_audit(muted(s, 2));
    ASSERT_FALSE(id);
    EXPECT_EQ(id.error(), errc::io_error);
    EXPECT_FALSE(append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "r")));
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM escalations"), 0);
    EXPECT_TRUE(append_and_wait(*s.db, make_request(s.rooms[0].id, s.student.id, "m", "hi")))
        << "messages without an escalation do not touch the chain";
    s.db.reset();
    expect_broken_at(2, "the database's chain head (table audit_head) is missing");
}

TEST_P(StoreAudit, EntriesHoldNoMessageText) {
    ASSERT_NO_FATAL_FAILURE(write_log(1));
    // "pills" is in the text of the escalated message and in no id, category or rule.
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE action LIKE '%pills%' OR target "
                           "LIKE '%pills%' OR detail LIKE '%pills%'"),
              0);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log WHERE action = 'escalation.opened'"), 1);
    const auto detail =
        raw().text("SELECT detail FROM audit_log WHERE action = 'escalation.opened'");
    EXPECT_EQ(detail.find("saving"), std::string::npos) << detail;
    EXPECT_NE(detail.find("source=risk_rule categories=self_harm rule=risk.1"), std::string::npos)
        << detail;
    EXPECT_EQ(raw().text("SELECT target FROM audit_log WHERE action = 'escalation.opened'"),
              "escalation:1");
}

TEST_P(StoreAudit, AppendAuditRefusesWhatItCannotStore) {
    auto s = open_seeded();
    auto bad = [&](audit_record r) {
        auto id = s.db->append_audit(r);
        return !id && id.error() == errc::invalid_argument;
    };
    audit_record r = muted(s, 1);
    r.action = "";
    EXPECT_TRUE(bad(r));
    r = muted(s, 1);
    r.action = std::string(limits::max_name_bytes + 1, 'a');
    EXPECT_TRUE(bad(r));
    r = muted(s, 1);
    r.detail = std::string(limits::max_audit_detail_bytes + 1, 'd');
    EXPECT_TRUE(bad(r));
    r = muted(s, 1);
    r.target = "user:\xff";
    EXPECT_TRUE(bad(r));
    r = muted(s, 1);
    r.actor = -1;
    EXPECT_TRUE(bad(r));
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log"), 0);
    EXPECT_TRUE(s.db->append_audit(muted(s, 1)));
}

TEST_P(StoreAudit, ARetriedEscalationIsAuditedOnce) {
    auto s = open_seeded();
    auto first = append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "same"));
    auto again = append_and_wait(*s.db, risky(s.rooms[0].id, s.student.id, "same"));
    ASSERT_TRUE(first);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->duplicate);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log"), 1);
}

// A batch where one escalation fails alone (unknown sender) and others commit: only the
// committed ones are in the chain, and it verifies.
TEST_P(StoreAudit, OnlyCommittedEscalationsAreAudited) {
    auto s = open_seeded();
    std::vector<std::future<result<append_result>>> results;
    {
        writer_hold hold(*s.db, s.rooms[0].id, s.student.id);
        for (const char* id : {"a", "b", "c"}) {
            auto p = std::make_shared<std::promise<result<append_result>>>();
            results.push_back(p->get_future());
            const user_id sender = std::string(id) == "b" ? 424242 : s.student.id;
            s.db->append(risky(s.rooms[0].id, sender, id),
                         [p](result<append_result> r) { p->set_value(std::move(r)); });
        }
    }
    EXPECT_TRUE(results[0].get());
    EXPECT_FALSE(results[1].get());
    EXPECT_TRUE(results[2].get());
    s.db.reset();
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log"), 2);
    const auto v = verify();
    EXPECT_TRUE(v.ok) << said(v);
    EXPECT_EQ(v.entries, 2);
}

// append_audit from several threads while the writer thread audits escalations: one chain.
TEST_P(StoreAudit, AppendsFromManyThreadsFormOneChain) {
    auto s = open_seeded();
    constexpr int threads = 4, per_thread = 20, escalations = 10;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                if (!s.db->append_audit(muted(s, t * 100 + i))) ++failures;
            }
        });
    }
    for (int i = 0; i < escalations; ++i) {
        s.db->append(risky(s.rooms[0].id, s.student.id, "e" + std::to_string(i)),
                     [&](result<append_result> r) {
                         if (!r) ++failures;
                     });
    }
    for (auto& w : workers) w.join();
    s.db.reset();  // drains the queue
    EXPECT_EQ(failures.load(), 0);
    const auto v = verify();
    EXPECT_TRUE(v.ok) << said(v);
    EXPECT_EQ(v.entries, threads * per_thread + escalations);
}

TEST_P(StoreAudit, VerifyingAFolderWithoutDataFailsAndCreatesNothing) {
    const auto empty = dir() / "nothing-here";
    std::filesystem::create_directories(empty);
    EXPECT_THROW(verify_audit(url(), empty), std::runtime_error);
    EXPECT_FALSE(std::filesystem::exists(empty / "master.key"));
    EXPECT_FALSE(std::filesystem::exists(empty / "circles.db"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreAudit, testing::all_backends(), testing::backend_name);

// --- SQLite: an escalation's savepoint ---------------------------------------------------------

class SqliteAudit : public testing::backend_fixture {
  protected:
    void SetUp() override { set_up(testing::backend::sqlite); }
};

// SQLite runs only a request that carries an escalation in a savepoint (a plain message relies
// on statement atomicity). When its audit entry cannot be written, its message and escalation
// roll back with it, while the plain messages of the same batch commit, numbered without a gap.
// (PostgreSQL fails such a batch as a whole: see pg_store.hpp.)
TEST_F(SqliteAudit, AnEscalationThatCannotBeAuditedFailsAloneInItsBatch) {
    auto s = open_seeded();
    const room_id room = s.rooms[0].id;
    raw().exec("DELETE FROM audit_head");
    std::vector<result<append_result>> got(3, errc::io_error);
    {
        writer_hold hold(*s.db, room, s.student.id);  // seq 1
        s.db->append(make_request(room, s.student.id, "a", "first"),
                     [&](result<append_result> r) { got[0] = r; });
        s.db->append(risky(room, s.student.id, "r"), [&](result<append_result> r) { got[1] = r; });
        s.db->append(make_request(room, s.student.id, "b", "last"),
                     [&](result<append_result> r) { got[2] = r; });
    }
    s.db->flush();
    ASSERT_TRUE(got[0].has_value());
    EXPECT_EQ(got[0]->seq, 2u);
    ASSERT_FALSE(got[1].has_value());
    EXPECT_EQ(got[1].error(), make_error_code(errc::io_error));
    ASSERT_TRUE(got[2].has_value());
    EXPECT_EQ(got[2]->seq, 3u);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM messages WHERE client_msg_id = 'r'"), 0);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM escalations"), 0);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log"), 0);

    auto page = s.db->history(room, 0, 10);
    ASSERT_TRUE(page.has_value());
    ASSERT_EQ(page->messages.size(), 3u);
    EXPECT_EQ(page->messages[1].text, "first");
    EXPECT_EQ(page->messages[2].text, "last");
}

// --- several nodes on one PostgreSQL ---------------------------------------------------------

class PostgresAudit : public testing::postgres_test {};

// Two store instances with data folders of their own (one master key) append at once, from
// several threads each, both directly and through escalations: one chain, ids 1..N, and each
// node's audit.head checks out against it.
TEST_F(PostgresAudit, TwoNodesAppendingAtOnceFormOneChain) {
    auto options_a = options();
    options_a.max_batch = 4;  // many small batches, so the nodes' escalations interleave
    auto node_a = open_seeded(options_a);
    auto options_b = options_a;
    options_b.data_dir = dir() / "data-b";
    std::filesystem::create_directories(options_b.data_dir);
    std::filesystem::permissions(options_b.data_dir, std::filesystem::perms::owner_all);
    std::filesystem::copy_file(options_a.data_dir / "master.key",
                               options_b.data_dir / "master.key");
    auto node_b = open(options_b);

    constexpr int threads_per_node = 3, per_thread = 30, escalations_per_node = 20;
    std::atomic<int> failures{0};
    std::vector<std::thread> workers;
    for (store* node : {node_a.db.get(), node_b.get()}) {
        for (int t = 0; t < threads_per_node; ++t) {
            workers.emplace_back([&, node, t] {
                for (int i = 0; i < per_thread; ++i) {
                    if (!node->append_audit(muted(node_a, t * 1000 + i))) ++failures;
                }
            });
        }
        workers.emplace_back([&, node] {
            const std::string tag = node == node_a.db.get() ? "a" : "b";
            for (int i = 0; i < escalations_per_node; ++i) {
                node->append(risky(node_a.rooms[0].id, node_a.student.id, tag + std::to_string(i)),
                             [&](result<append_result> r) {
                                 if (!r) ++failures;
                             });
            }
        });
    }
    for (auto& w : workers) w.join();
    node_a.db->flush();
    node_b->flush();
    EXPECT_EQ(failures.load(), 0);

    constexpr int total = 2 * (threads_per_node * per_thread + escalations_per_node);
    EXPECT_EQ(raw().scalar("SELECT count(*) FROM audit_log"), total);
    EXPECT_EQ(raw().scalar("SELECT max(id) FROM audit_log"), total);
    for (const auto& data_dir : {options_a.data_dir, options_b.data_dir}) {
        const auto v = verify_audit(url(), data_dir);
        EXPECT_TRUE(v.ok) << data_dir << ": " << v.problem;
        EXPECT_EQ(v.entries, total) << data_dir;
        EXPECT_TRUE(v.head_file_found) << data_dir;
    }
    // Both nodes really wrote: each has a head file of its own.
    EXPECT_FALSE(read_file_bytes(options_a.data_dir / "audit.head").empty());
    EXPECT_FALSE(read_file_bytes(options_b.data_dir / "audit.head").empty());
}

// A node whose audit.head is further on than the database (it appended entries that were then
// cut off, head row and all) names the cut, even though the other node's file is behind.
TEST_F(PostgresAudit, ACutSeenByOneNodesHeadFile) {
    auto node_a = open_seeded();
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(node_a.db->append_audit(muted(node_a, i)));
    node_a.db.reset();
    raw().exec("DELETE FROM audit_log WHERE id >= 4");
    raw().exec(
        "UPDATE audit_head SET last_id = 3, last_hash = (SELECT hash FROM audit_log WHERE id = "
        "3)");
    const auto v = verify_audit(url(), options().data_dir);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.first_broken, 4) << v.problem;
    // A node that never appended has no file: the same cut is invisible from there (the
    // limit storage/README.md states).
    const auto other = dir() / "data-other";
    std::filesystem::create_directories(other);
    std::filesystem::copy_file(options().data_dir / "master.key", other / "master.key");
    EXPECT_TRUE(verify_audit(url(), other).ok);
}

}  // namespace
}  // namespace circles::storage
