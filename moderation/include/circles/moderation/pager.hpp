#pragma once
// The escalation workflow's paging: who is told about an escalation, and when it is told
// again. Part of circles_moderation_escalation (uses storage), not of the pure engine.
//
// An escalation starts at level 0 of its school's contact list (the on-duty counselors) with
// a deadline the store set in the commit that created it. check() finds every open
// escalation past its deadline, claims the re-page in the store (so one node of several
// pages it, and a restart finds the deadline where it was), and hands it to the notifier at
// the next level; the last level is paged again at every further deadline. An acknowledged
// escalation is no longer open, so nothing pages it again.
//
// Every call reads or writes the store: run them off the I/O threads. The clock is injected,
// so tests move time by hand.
#include <cstdint>
#include <functional>
#include <vector>

#include "circles/storage/store.hpp"

namespace circles::moderation {

// One page, as the notifier receives it.
struct page {
    storage::escalation escalation;    // with its new page_level and next_page_at_ms
    std::vector<storage::user_id> to;  // the contacts of that level (may be empty)
    std::string webhook_url;           // the school's, "" for none
};

// Delivers pages: to connected users in real time, and to the school's webhook. It must not
// block for long (it is called from the pager's thread): start the delivery and return.
class notifier {
  public:
    virtual ~notifier() = default;
    virtual void notify(const page& p) = 0;
    // Called at the end of every check(): a chance to retry deliveries that failed.
    virtual void retry_failed() {}
};

class pager {
  public:
    using clock = std::function<std::int64_t()>;  // Unix milliseconds
    static std::int64_t system_clock_ms();

    pager(storage::store& store, notifier& n, clock now = system_clock_ms);

    // A new escalation (just committed): pages its level 0 (its "escalation.opened" audit
    // entry stands for this page). Returns whether it was paged.
    bool opened(std::int64_t escalation_id);
    // Re-pages every open escalation past its deadline to its next level; returns how many.
    // At start-up this is also the catch-up on what came due while the server was down.
    std::size_t check();

  private:
    // The page to `level` of the school's contacts; `settings` as the store gave them (an
    // error still pages: the school's counselors online get it).
    page make_page(storage::escalation e, int level,
                   const storage::result<storage::escalation_settings>& settings);

    storage::store& store_;
    notifier& notifier_;
    clock now_;
};

}  // namespace circles::moderation
