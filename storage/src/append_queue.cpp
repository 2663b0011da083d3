#include "append_queue.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "store_common.hpp"

namespace circles::storage::detail {

std::optional<std::string> slow_commit_log::batch_done(std::size_t sends, clock::duration took,
                                                       clock::duration waited,
                                                       clock::time_point now) {
    if (lim_.threshold <= std::chrono::milliseconds::zero() || waited < lim_.threshold) {
        return std::nullopt;
    }
    if (last_warned_ && now - *last_warned_ < lim_.every) {
        ++unreported_;
        return std::nullopt;
    }
    const auto ms = [](clock::duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    std::string line = fmt::format(
        "storage: slow commit: a send waited {} ms for its commit ({} in the batch, committed in "
        "{} ms; warned over {} ms)",
        ms(waited), sends, ms(took), lim_.threshold.count());
    if (unreported_ > 0) {
        line += fmt::format("; {} more slow batches since the last warning", unreported_);
    }
    last_warned_ = now;
    unreported_ = 0;
    return line;
}

append_queue::append_queue(std::size_t max_pending, std::size_t max_batch, commit_pacing pacing,
                           slow_commit_log::limits slow)
    : max_pending_(max_pending),
      max_batch_(std::max<std::size_t>(max_batch, 1)),
      // A batch never holds more than max_batch: waiting for more would only delay it.
      pacing_{std::max(pacing.interval, std::chrono::microseconds{0}),
              std::clamp<std::size_t>(pacing.full, 1, max_batch_)},
      slow_(slow) {}

append_queue::~append_queue() { stop(); }

void append_queue::start(commit_fn commit) {
    commit_ = std::move(commit);
    writer_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "store-writer");  // as top -H and perf show it
        writer_loop();
    });
}

void append_queue::push(append_request req, append_handler done) {
    errc refused = errc::ok;
    bool wake = false;
    const auto queued_at = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (closing_) {
            refused = errc::closed;
        } else if (queue_.size() >= max_pending_) {
            refused = errc::overloaded;
        } else {
            queue_.push_back({std::move(req), std::move(done), queued_at});
            ++enqueued_;
            // The writer waits for the first append, then (pacing) for a full batch: only
            // those two can end a wait. Waking it for every send in between costs two context
            // switches each, and it would only go back to sleep.
            wake = queue_.size() == 1 || queue_.size() == pacing_.full;
        }
    }
    if (refused != errc::ok) {
        run_callback(done, refused);  // on the caller's thread: never block the caller
        return;
    }
    if (wake) ready_.notify_one();
}

void append_queue::flush() {
    // A callback calling flush() would wait for its own batch: return instead of deadlocking.
    if (std::this_thread::get_id() == writer_.get_id()) return;
    std::unique_lock lock(mutex_);
    const std::uint64_t target = enqueued_;
    ++flushing_;  // the writer commits what waits now, without pacing
    ready_.notify_one();
    progress_.wait(lock, [&] { return completed_ >= target; });
    --flushing_;
}

void append_queue::stop() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    ready_.notify_all();
    if (writer_.joinable()) writer_.join();  // the writer drains the queue before it exits
}

void append_queue::writer_loop() {
    using clock = std::chrono::steady_clock;
    append_batch batch;
    auto next_commit = clock::now();  // the previous commit's end + the pacing interval
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return !queue_.empty() || closing_; });
            ready_.wait_until(lock, next_commit, [&] {
                return queue_.size() >= pacing_.full || closing_ || flushing_;
            });
            if (queue_.empty()) return;  // closing and drained
            const std::size_t n = std::min(queue_.size(), max_batch_);
            auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
            batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
            queue_.erase(queue_.begin(), end);
        }
        const std::size_t n = batch.size();
        const auto oldest = batch.front().queued_at;
        const auto started = clock::now();
        commit_(batch);
        batch.clear();
        const auto answered = clock::now();
        next_commit = answered + pacing_.interval;
        if (auto line = slow_.batch_done(n, answered - started, answered - oldest, answered)) {
            spdlog::warn("{}", *line);
        }
        {
            std::lock_guard lock(mutex_);
            completed_ += n;
        }
        progress_.notify_all();
    }
}

std::optional<std::size_t> batch_repeats::earlier(const append_batch& batch, std::size_t i,
                                                  const batch_results& results) {
    const append_request& req = batch[i].req;
    auto key = std::make_tuple(req.room, req.sender, std::string_view(req.client_msg_id));
    if (auto it = first_.find(key); it != first_.end() && results[it->second]) return it->second;
    first_.insert_or_assign(key, i);  // the first, or the earlier one failed: this one counts
    return std::nullopt;
}

void fail_uncommitted(batch_results& results) {
    for (auto& r : results) {
        if (r) r = errc::io_error;
    }
}

void complete_batch(append_batch& batch, batch_results& results) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
        run_callback(batch[i].done, std::move(results[i]));
    }
}

}  // namespace circles::storage::detail
