#include "circles/cluster/bus_envelope.hpp"

#include <cstdint>

#include "circles/cluster/redis_options.hpp"

namespace circles::cluster {

namespace {

constexpr std::size_t fixed_size = 1 + 1 + 8 + 8 + 1 + 8;

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(std::string_view in) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    }
    return v;
}

bool known_status(unsigned s) {
    return s == static_cast<unsigned>(storage::message_status::visible) ||
           s == static_cast<unsigned>(storage::message_status::held) ||
           s == static_cast<unsigned>(storage::message_status::removed);
}

}  // namespace

std::string encode_envelope(std::string_view origin, const rooms::room_event& ev) {
    // validate() keeps node ids within max_name_length, so the length fits its byte.
    if (origin.size() > max_name_length) origin = origin.substr(0, max_name_length);
    const std::size_t frame_size = ev.frame ? ev.frame->size() : 0;
    std::string out;
    out.reserve(fixed_size + origin.size() + frame_size);
    out.push_back(static_cast<char>(envelope_version));
    out.push_back(static_cast<char>(origin.size()));
    out.append(origin);
    put_u64(out, static_cast<std::uint64_t>(ev.room));
    put_u64(out, ev.seq);
    out.push_back(static_cast<char>(ev.status));
    put_u64(out, static_cast<std::uint64_t>(ev.sender));
    if (ev.frame) out.append(*ev.frame);
    return out;
}

std::optional<decoded_envelope> decode_envelope(std::string_view in) {
    if (in.size() < 2 || static_cast<unsigned char>(in[0]) != envelope_version) {
        return std::nullopt;
    }
    const std::size_t n = static_cast<unsigned char>(in[1]);
    if (n == 0 || n > max_name_length || in.size() < fixed_size + n) return std::nullopt;
    decoded_envelope out;
    out.origin.assign(in.substr(2, n));
    auto p = in.substr(2 + n);
    out.event.room = static_cast<storage::room_id>(get_u64(p));
    out.event.seq = get_u64(p.substr(8));
    const unsigned status = static_cast<unsigned char>(p[16]);
    if (!known_status(status)) return std::nullopt;
    out.event.status = static_cast<storage::message_status>(status);
    out.event.sender = static_cast<storage::user_id>(get_u64(p.substr(17)));
    out.event.frame = std::make_shared<const std::string>(p.substr(25));
    return out;
}

}  // namespace circles::cluster
