#pragma once
// Loss and duplicate accounting. Every member of a room expects every message that any member
// of the room (itself included, as Circles delivers a message to its sender too) sent inside
// the measurement window, exactly once, unless the server refused that send with an error.
//
// Each client keeps a send_log (what it sent in the window, and which of those the server
// refused) and a receive_log (how many copies of each message it got). Each log is touched only
// by the thread that runs its client; reconcile() reads them all once the threads have stopped.
// Counts are bytes that saturate at 255: a message delivered 300 times is still a duplicate.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace circles::bench {

class send_log {
  public:
    void on_sent(std::uint32_t seq);  // sent inside the window
    // The server answered it with an Error. False when it was not a window send, or was
    // refused before.
    bool on_refused(std::uint32_t seq);
    bool expected(std::uint32_t seq) const {
        return seq < state_.size() && state_[seq] == state::sent;
    }
    bool refused(std::uint32_t seq) const {
        return seq < state_.size() && state_[seq] == state::refused;
    }
    std::uint32_t end() const { return static_cast<std::uint32_t>(state_.size()); }
    std::uint64_t sent_count() const { return sent_; }
    std::uint64_t refused_count() const { return refused_; }

  private:
    enum class state : std::uint8_t { none, sent, refused };
    std::vector<state> state_;  // by seq
    std::uint64_t sent_ = 0;
    std::uint64_t refused_ = 0;
};

class receive_log {
  public:
    enum class outcome { first, duplicate, foreign };

    // A member of this client's room (by client index), whose messages it expects.
    void expect_sender(std::uint32_t sender);
    // One copy of (sender, seq) arrived. `foreign` when the sender is not in the room.
    outcome on_received(std::uint32_t sender, std::uint32_t seq);
    // Copies of (sender, seq) so far.
    unsigned copies(std::uint32_t sender, std::uint32_t seq) const;
    const std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>>& by_sender() const {
        return by_sender_;
    }

  private:
    // A room has a handful of members: a linear scan beats any map.
    std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> by_sender_;
};

struct delivery_summary {
    std::uint64_t expected = 0;    // (recipient, message) pairs that should have arrived
    std::uint64_t delivered = 0;   // of those, arrived at least once
    std::uint64_t lost = 0;        // of those, never arrived
    std::uint64_t duplicated = 0;  // extra copies of any message (k copies count k - 1)
    std::uint64_t unexpected = 0;  // copies of a refused send: the server said no, yet sent it
};

// `senders[i]` is client i's send_log; `recipients` are the receive_logs of the clients that
// joined. A client that never joined is left out of `recipients` (it expects nothing), and its
// send_log stays empty (nobody expects anything from it).
delivery_summary reconcile(std::span<const send_log> senders,
                           std::span<const receive_log* const> recipients);

}  // namespace circles::bench
