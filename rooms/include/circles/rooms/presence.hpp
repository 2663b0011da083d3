#pragma once
// Who is in a room right now. A user counts once however many tabs they have open: `enter`
// reports the first connection and `exit` the last, which is when the room hears about it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "circles/storage/types.hpp"

namespace circles::rooms {

// A room member as everyone else sees them: the pseudonym, never the username.
struct member {
    storage::user_id id = 0;
    std::string display_name;
    storage::role user_role = storage::role::student;
};

member member_of(const storage::user& u);

class presence {
  public:
    virtual ~presence() = default;
    // Returns true when this is the user's first connection in the room.
    virtual bool enter(storage::room_id room, const member& m) = 0;
    // Returns true when this was the user's last connection in the room.
    virtual bool exit(storage::room_id room, storage::user_id user) = 0;
    virtual std::vector<member> present(storage::room_id room) = 0;
};

std::unique_ptr<presence> make_local_presence();

}  // namespace circles::rooms
