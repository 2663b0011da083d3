// Store throughput: appends per second with group commit vs one commit per message, and the
// cost of sealing/opening one chat-sized message. Run by hand (see storage/README.md):
//   build-storage/bin/circles_store_bench
// The database lives under $TMPDIR (default /tmp); point TMPDIR at the disk you deploy on,
// since synchronous=FULL makes every commit an fsync.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "circles/storage/keyring.hpp"
#include "circles/storage/store.hpp"

namespace {

using namespace circles::storage;

const std::string chat_message(200, 'x');  // about one chat message

struct bench_store {
    std::filesystem::path dir;
    std::unique_ptr<store> db;
    user_id sender = 0;
    std::vector<room_id> rooms;
    std::atomic<std::uint64_t> next_id{0};

    // interval_us: store_options::group_commit_interval (0: a commit as soon as anything waits).
    bench_store(std::size_t max_batch, int room_count, std::int64_t interval_us) {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/circles-bench-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir = pattern;
        store_options o;
        o.data_dir = dir / "data";
        o.max_batch = max_batch;
        o.group_commit_interval = std::chrono::microseconds(interval_us);
        o.max_pending_appends = 1 << 20;
        db = open_sqlite_store(o);
        auto school = db->create_school("bench", "Bench").value();
        sender = db->create_user(school.id, "bench", "Bench", role::student, "bench-pw").value().id;
        for (int i = 0; i < room_count; ++i) {
            auto r = db->create_room(school.id, "room", room_kind::peer_network).value();
            db->add_member(r.id, sender).value();
            rooms.push_back(r.id);
        }
    }
    ~bench_store() {
        db.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    append_request request(room_id room) {
        append_request r;
        r.room = room;
        r.sender = sender;
        r.client_msg_id = std::to_string(next_id++);
        r.text = chat_message;
        return r;
    }
};

// Producers fire appends without waiting for acks (a busy node); the writer batches freely.
// Args: max_batch, producers, messages per iteration, commit pacing interval (µs).
void BM_AppendPipelined(benchmark::State& state) {
    const auto max_batch = static_cast<std::size_t>(state.range(0));
    const int producers = static_cast<int>(state.range(1));
    const int per_iteration = static_cast<int>(state.range(2));
    bench_store b(max_batch, 8, state.range(3));
    std::atomic<std::uint64_t> failed{0};
    for (auto _ : state) {
        std::vector<std::thread> threads;
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&, p] {
                for (int i = p; i < per_iteration; i += producers) {
                    b.db->append(b.request(b.rooms[i % b.rooms.size()]),
                                 [&](result<append_result> r) { failed += !r; });
                }
            });
        }
        for (auto& t : threads) t.join();
        b.db->flush();
    }
    state.SetItemsProcessed(state.iterations() * per_iteration);
    state.counters["failed"] = static_cast<double>(failed.load());
}
BENCHMARK(BM_AppendPipelined)
    ->ArgNames({"max_batch", "producers", "msgs", "pacing_us"})
    ->Args({1024, 8, 20000, 1000})
    ->Args({1024, 8, 20000, 0})
    ->Args({1, 8, 1000, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Each producer waits for its ack before sending again (a chat user); what group commit buys
// is that concurrent senders share one fsync. Pacing caps such a loop at `producers` sends per
// interval, which a chat user, who sends every few seconds, never reaches.
// Args: max_batch, producers, sends per producer, commit pacing interval (µs).
void BM_AppendClosedLoop(benchmark::State& state) {
    const auto max_batch = static_cast<std::size_t>(state.range(0));
    const int producers = static_cast<int>(state.range(1));
    const int per_producer = static_cast<int>(state.range(2));
    bench_store b(max_batch, 8, state.range(3));
    std::atomic<std::uint64_t> failed{0};
    for (auto _ : state) {
        std::vector<std::thread> threads;
        for (int p = 0; p < producers; ++p) {
            threads.emplace_back([&, p] {
                std::mutex m;
                std::condition_variable cv;
                for (int i = 0; i < per_producer; ++i) {
                    bool done = false;
                    b.db->append(b.request(b.rooms[p % b.rooms.size()]),
                                 [&](result<append_result> r) {
                                     failed += !r;
                                     std::lock_guard lock(m);
                                     done = true;
                                     cv.notify_one();
                                 });
                    std::unique_lock lock(m);
                    cv.wait(lock, [&] { return done; });
                }
            });
        }
        for (auto& t : threads) t.join();
    }
    state.SetItemsProcessed(state.iterations() * producers * per_producer);
    state.counters["failed"] = static_cast<double>(failed.load());
}
BENCHMARK(BM_AppendClosedLoop)
    ->ArgNames({"max_batch", "producers", "sends", "pacing_us"})
    ->Args({1024, 32, 50, 1000})
    ->Args({1024, 32, 50, 0})
    ->Args({1, 32, 10, 0})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void BM_Seal(benchmark::State& state) {
    secret_key key;
    const auto ad = message_ad(12, 34567, 3);
    for (auto _ : state) benchmark::DoNotOptimize(seal(key, chat_message, ad));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chat_message.size()));
}
BENCHMARK(BM_Seal);

void BM_Open(benchmark::State& state) {
    secret_key key;
    const auto ad = message_ad(12, 34567, 3);
    const sealed box = seal(key, chat_message, ad);
    for (auto _ : state) benchmark::DoNotOptimize(open(key, box, ad));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(chat_message.size()));
}
BENCHMARK(BM_Open);

}  // namespace
