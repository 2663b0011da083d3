#pragma once
// Who the benchmark's clients are: one entry per connection, with its room and, for Circles,
// the session token it authenticates with (from `circles admin bench-fixture`).
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace circles::bench {

struct client_plan {
    std::size_t room_index = 0;  // groups clients into rooms; dense from 0
    std::uint64_t room_id = 0;   // the server's room id (Circles); 0 for Socket.IO
    std::string token;           // never printed
};

// Lines "ROOM_INDEX ROOM_ID TOKEN"; blank lines and lines starting with '#' are skipped.
// Throws std::runtime_error naming the line number, never the line (it holds a token).
std::vector<client_plan> read_tokens(std::istream& in);
std::vector<client_plan> read_tokens_file(const std::filesystem::path& file);

// Without a tokens file (Socket.IO): client i is in room i / room_size.
std::vector<client_plan> plan_rooms(std::size_t connections, std::size_t room_size);

// Client indices grouped by room, rooms in room_index order.
std::vector<std::vector<std::uint32_t>> group_by_room(const std::vector<client_plan>& plan);

}  // namespace circles::bench
