#include "circles/bench/delivery_ledger.hpp"

#include <algorithm>

namespace circles::bench {

void send_log::on_sent(std::uint32_t seq) {
    if (seq >= state_.size()) state_.resize(static_cast<std::size_t>(seq) + 1, state::none);
    if (state_[seq] == state::none) {
        state_[seq] = state::sent;
        ++sent_;
    }
}

bool send_log::on_refused(std::uint32_t seq) {
    if (seq >= state_.size() || state_[seq] != state::sent) return false;
    state_[seq] = state::refused;
    ++refused_;
    return true;
}

void receive_log::expect_sender(std::uint32_t sender) {
    for (const auto& [s, counts] : by_sender_) {
        if (s == sender) return;
    }
    by_sender_.emplace_back(sender, std::vector<std::uint8_t>{});
}

receive_log::outcome receive_log::on_received(std::uint32_t sender, std::uint32_t seq) {
    for (auto& [s, counts] : by_sender_) {
        if (s != sender) continue;
        if (seq >= counts.size()) counts.resize(static_cast<std::size_t>(seq) + 1, 0);
        auto& c = counts[seq];
        if (c < 255) ++c;
        return c == 1 ? outcome::first : outcome::duplicate;
    }
    return outcome::foreign;
}

unsigned receive_log::copies(std::uint32_t sender, std::uint32_t seq) const {
    for (const auto& [s, counts] : by_sender_) {
        if (s == sender) return seq < counts.size() ? counts[seq] : 0;
    }
    return 0;
}

delivery_summary reconcile(std::span<const send_log> senders,
                           std::span<const receive_log* const> recipients) {
    delivery_summary out;
    for (const receive_log* r : recipients) {
        for (const auto& [sender, counts] : r->by_sender()) {
            if (sender >= senders.size()) continue;
            const send_log& log = senders[sender];
            const std::uint32_t end =
                std::max<std::uint32_t>(log.end(), static_cast<std::uint32_t>(counts.size()));
            for (std::uint32_t seq = 0; seq < end; ++seq) {
                const unsigned copies = seq < counts.size() ? counts[seq] : 0;
                if (log.expected(seq)) {
                    ++out.expected;
                    if (copies == 0) {
                        ++out.lost;
                    } else {
                        ++out.delivered;
                        out.duplicated += copies - 1;
                    }
                } else {
                    // Refused, or not sent in the window at all: nobody expected a copy.
                    out.unexpected += copies;
                }
            }
        }
    }
    return out;
}

}  // namespace circles::bench
