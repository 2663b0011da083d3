#pragma once
// How a page reaches people: an EscalationEvent on the school's bus channel, so every node's
// counselors and paged contacts get it in real time, and a POST to the school's webhook.
// Also the one place an escalation becomes a wire message (counselor view or redacted).
#include <memory>
#include <string_view>

#include "circles/moderation/pager.hpp"
#include "circles/rooms/service.hpp"
#include "circles/storage/store.hpp"
#include "circles/v1/circles.pb.h"
#include "webhook.hpp"

namespace circles::gateway {

// The wire form of an escalation, text and sender included (the counselor's view; redact()
// makes anyone else's). Reads the store (room name, sender): off the I/O threads.
void fill_escalation(v1::Escalation& out, const storage::escalation& e, storage::store& store);
// How many room messages before an escalation a counselor sees with it.
inline constexpr std::size_t context_messages = 5;
// Adds them to `out` (decrypted; for counselors only: redact() removes them).
void fill_context(v1::Escalation& out, const storage::escalation& e, storage::store& store);
// The store's state names ("open", "acknowledged", ...) and the wire's states, both ways.
v1::EscalationState state_of(std::string_view state);
const char* state_name(v1::EscalationState s);
// What a contact who is not a counselor may see of an escalation frame: text and sender gone.
void redact(v1::Escalation& e);
// The webhook's JSON: ids, deadline and level; never text or names.
std::string webhook_json(const storage::escalation& e);

class escalation_notifier final : public moderation::notifier {
  public:
    escalation_notifier(storage::store& store, rooms::service& rooms,
                        std::shared_ptr<webhook_client> webhooks);
    void notify(const moderation::page& p) override;
    void retry_failed() override;
    // A state change (an acknowledgement) for the school's counselors' lists.
    void changed(const storage::escalation& e);

  private:
    storage::store& store_;
    rooms::service& rooms_;
    std::shared_ptr<webhook_client> webhooks_;
};

}  // namespace circles::gateway
