#pragma once
// What every benchmark message carries so that a recipient can account for it without asking
// anyone: the sender's index, the sender's own sequence number, and when it was sent (steady
// clock nanoseconds since the benchmark started; senders and recipients share the process,
// so they share the clock). It travels as the client_msg_id (Circles echoes it on the ack and
// on every MessageEvent), or as the "id" field of a Socket.IO message. The text stays free of
// digits, so no moderation rule (phone numbers) ever sees it as contact details.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace circles::bench {

struct message_tag {
    std::uint32_t sender = 0;
    std::uint32_t seq = 0;
    std::int64_t sent_ns = 0;

    friend bool operator==(const message_tag&, const message_tag&) = default;
};

// "b1.SENDER.SEQ.SENT_NS": at most 45 bytes, within the 64 a client_msg_id may have.
std::string format_tag(const message_tag& tag);

// nullopt for anything format_tag did not write.
std::optional<message_tag> parse_tag(std::string_view text);

// A text of `bytes` bytes (at least a few) made of plain words, which every room kind's
// policy allows as it is.
std::string filler_text(std::size_t bytes);
// `text` with a word spelling `seq` in letters in front (same length where it can): every
// message of a sender differs, as real chat does, so a server's repeat filter lets it pass.
// The runner also puts a word for the run itself in front of the filler text, so a second run
// against the same server does not repeat the first.
std::string varied_text(std::string_view text, std::uint64_t seq);

}  // namespace circles::bench
