#pragma once
// The append queue and its one writer thread, shared by every store implementation.
//
// append() queues a request, or refuses it at once on the caller's thread (errc::overloaded
// past max_pending, errc::closed once stopping). The writer thread takes up to max_batch
// requests at a time and hands them to the store's commit function, which commits them in
// one transaction and only then runs their callbacks, in queue order (so in seq order per
// room). A commit starts no sooner than `pacing.interval` after the previous one ended,
// unless `pacing.full` requests (at most max_batch) are waiting, a flush() waits, or the queue
// is stopping: a send after a quiet spell commits at once, and a stream of sends shares a
// commit per interval instead of paying one (an fsync, its locks, its wake-ups) for every one
// or two messages. A batch whose oldest send waited past a threshold is logged as a warning
// (slow_commit_log). flush() waits for everything queued before it. stop() refuses new appends,
// lets the writer drain and commit the whole queue, then joins it: a store calls it first
// thing in its destructor, while the connections the commit function uses still exist.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "circles/storage/store.hpp"

namespace circles::storage::detail {

struct pending_append {
    append_request req;
    append_handler done;
    std::chrono::steady_clock::time_point queued_at{};
};
using append_batch = std::deque<pending_append>;
using batch_results = std::vector<result<append_result>>;

struct commit_pacing {
    std::chrono::microseconds interval{0};  // 0: no pacing
    std::size_t full = 1;                   // this many waiting commit at once
};

// Decides when a slow batch is worth a warning: any whose oldest send waited `threshold` or
// more, but at most one line per `every`; the next line counts the slow batches in between.
// The line holds durations and counts only, never a message. Used by the writer thread only.
class slow_commit_log {
  public:
    using clock = std::chrono::steady_clock;
    struct limits {
        std::chrono::milliseconds threshold{0};  // 0: never warn
        std::chrono::milliseconds every{0};
    };

    explicit slow_commit_log(limits lim) : lim_(lim) {}
    // A batch of `sends` whose commit (and callbacks) took `took` and whose oldest send had
    // waited `waited` in all when it was answered at `now`. The warning to log, if one is due.
    std::optional<std::string> batch_done(std::size_t sends, clock::duration took,
                                          clock::duration waited, clock::time_point now);

  private:
    const limits lim_;
    std::optional<clock::time_point> last_warned_;
    std::uint64_t unreported_ = 0;  // slow batches since the last warning, not in it
};

class append_queue {
  public:
    using commit_fn = std::function<void(append_batch&)>;

    append_queue(std::size_t max_pending, std::size_t max_batch, commit_pacing pacing = {},
                 slow_commit_log::limits slow = {});
    ~append_queue();  // stop()
    append_queue(const append_queue&) = delete;
    append_queue& operator=(const append_queue&) = delete;

    void start(commit_fn commit);  // starts the writer thread
    void push(append_request req, append_handler done);
    void flush();
    void stop();

  private:
    void writer_loop();

    const std::size_t max_pending_;
    const std::size_t max_batch_;
    const commit_pacing pacing_;
    slow_commit_log slow_;  // the writer thread's
    commit_fn commit_;
    std::mutex mutex_;
    std::condition_variable ready_;     // work arrived or stopping
    std::condition_variable progress_;  // a batch finished (flush waits on it)
    std::deque<pending_append> queue_;
    std::uint64_t enqueued_ = 0;   // appends accepted so far
    std::uint64_t completed_ = 0;  // appends whose callback has run
    int flushing_ = 0;             // flush() calls waiting
    bool closing_ = false;
    std::thread writer_;
};

// Recognises a repeat of an idempotency key (room, sender, client_msg_id) inside one batch:
// the repeat gets the first request's answer with duplicate=true.
class batch_repeats {
  public:
    // The index of an earlier, successful request of the batch with the same key as request
    // `i`; otherwise records `i` as the one to repeat and returns nullopt.
    std::optional<std::size_t> earlier(const append_batch& batch, std::size_t i,
                                       const batch_results& results);

  private:
    std::map<std::tuple<room_id, user_id, std::string_view>, std::size_t> first_;
};

// After a failed commit nothing of the batch was stored: every answer that was going to be a
// success becomes errc::io_error (requests that failed on their own keep their error).
void fail_uncommitted(batch_results& results);

// Runs every callback of the batch in queue order.
void complete_batch(append_batch& batch, batch_results& results);

}  // namespace circles::storage::detail
