#include "circles/bench/client_plan.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace circles::bench {

std::vector<client_plan> read_tokens(std::istream& in) {
    std::vector<client_plan> out;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        std::istringstream fields(line);
        client_plan c;
        std::string extra;
        if (!(fields >> c.room_index >> c.room_id >> c.token) || (fields >> extra)) {
            throw std::runtime_error("tokens file line " + std::to_string(number) +
                                     ": expected ROOM_INDEX ROOM_ID TOKEN");
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<client_plan> read_tokens_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read the tokens file " + file.string());
    return read_tokens(in);
}

std::vector<client_plan> plan_rooms(std::size_t connections, std::size_t room_size) {
    std::vector<client_plan> out(connections);
    for (std::size_t i = 0; i < connections; ++i) out[i].room_index = i / room_size;
    return out;
}

std::vector<std::vector<std::uint32_t>> group_by_room(const std::vector<client_plan>& plan) {
    std::map<std::size_t, std::vector<std::uint32_t>> by_index;  // room indices may be sparse
    for (std::size_t i = 0; i < plan.size(); ++i) {
        by_index[plan[i].room_index].push_back(static_cast<std::uint32_t>(i));
    }
    std::vector<std::vector<std::uint32_t>> rooms;
    rooms.reserve(by_index.size());
    for (auto& [index, members] : by_index) rooms.push_back(std::move(members));
    return rooms;
}

}  // namespace circles::bench
