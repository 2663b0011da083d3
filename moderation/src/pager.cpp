#include "circles/moderation/pager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace circles::moderation {
namespace {

// Overdue escalations read per round of check(); a longer backlog takes further rounds.
constexpr std::size_t overdue_batch = 100;
constexpr int max_rounds = 100;

}  // namespace

std::int64_t pager::system_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

pager::pager(storage::store& store, notifier& n, clock now)
    : store_(store), notifier_(n), now_(std::move(now)) {}

page pager::make_page(storage::escalation e, int level,
                      const storage::result<storage::escalation_settings>& settings) {
    page p;
    if (settings) {
        p.webhook_url = settings->webhook_url;
        if (!settings->contacts.empty()) {
            const auto last = static_cast<int>(settings->contacts.size()) - 1;
            p.to = settings->contacts[static_cast<std::size_t>(std::clamp(level, 0, last))];
        }
    } else {
        // Still page: the school's counselors online get it whatever the contact list says.
        spdlog::warn("pager: no settings for school {}: {}", e.school, settings.error().message());
    }
    p.escalation = std::move(e);
    return p;
}

bool pager::opened(std::int64_t escalation_id) {
    auto e = store_.get_escalation(escalation_id);
    if (!e) {
        spdlog::error("pager: escalation {} unreadable: {}", escalation_id, e.error().message());
        return false;
    }
    if (e->state != "open") return false;
    // Level 0 needs no entry of its own: "escalation.opened", in the commit that stored the
    // escalation, is where its paging starts.
    const int level = e->page_level;
    const auto settings = store_.escalation_settings_of(e->school);
    notifier_.notify(make_page(std::move(*e), level, settings));
    return true;
}

std::size_t pager::check() {
    std::size_t paged = 0;
    for (int round = 0; round < max_rounds; ++round) {
        const auto now = now_();
        auto due = store_.overdue_escalations(now, overdue_batch);
        if (!due) {
            spdlog::error("pager: cannot read overdue escalations: {}", due.error().message());
            break;
        }
        std::size_t claimed_this_round = 0;
        for (auto& e : *due) {
            const auto settings = store_.escalation_settings_of(e.school);
            const std::int64_t deadline = settings ? settings->ack_deadline_ms
                                                   : storage::escalation_settings{}.ack_deadline_ms;
            const int levels = settings ? static_cast<int>(settings->contacts.size()) : 0;
            const int level = std::min(e.page_level + 1, std::max(levels - 1, 0));
            auto claimed = store_.record_page(e.id, e.next_page_at_ms, level, now + deadline);
            if (!claimed) {
                spdlog::error("pager: cannot record page of escalation {}: {}", e.id,
                              claimed.error().message());
                continue;
            }
            if (!*claimed) continue;  // acknowledged meanwhile, or another node paged it
            ++claimed_this_round;
            e.page_level = level;
            e.next_page_at_ms = now + deadline;
            spdlog::info("pager: escalation {} re-paged to level {}", e.id, level);
            notifier_.notify(make_page(std::move(e), level, settings));
        }
        paged += claimed_this_round;
        if (due->size() < overdue_batch || claimed_this_round == 0) break;
    }
    notifier_.retry_failed();
    return paged;
}

}  // namespace circles::moderation
