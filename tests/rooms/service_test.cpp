// rooms::service against the real SQLite store: membership checks, what a joiner sees first,
// resume, fan-out of committed messages, and presence.
#include "circles/rooms/service.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "circles/storage/store.hpp"
#include "fakes.hpp"

namespace circles::rooms {
namespace {

namespace fs = std::filesystem;
using testing::recording_bus;
using testing::recording_subscriber;

std::vector<storage::seq_t> seqs_of(const std::vector<storage::stored_message>& messages) {
    std::vector<storage::seq_t> out;
    for (const auto& m : messages) out.push_back(m.seq);
    return out;
}

std::vector<storage::seq_t> seq_range(storage::seq_t first, storage::seq_t last) {
    std::vector<storage::seq_t> out;
    for (auto s = first; s <= last; ++s) out.push_back(s);
    return out;
}

class RoomService : public ::testing::Test {
  protected:
    // One store and three users for the whole suite: each create_user runs Argon2id.
    static void SetUpTestSuite() {
        std::string tmpl = (fs::temp_directory_path() / "circles-rooms-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        storage::store_options options;
        options.data_dir = dir_;
        store_ = storage::open_sqlite_store(options);
        school_ = store_->create_school("maple-grove", "Maple Grove").value();
        alice_ = store_
                     ->create_user(school_.id, "alice", "Blue Heron", storage::role::student,
                                   "correct horse battery staple")
                     .value();
        bob_ = store_
                   ->create_user(school_.id, "bob", "Red Fox", storage::role::facilitator,
                                 "correct horse battery staple")
                   .value();
        carol_ = store_
                     ->create_user(school_.id, "carol", "Green Owl", storage::role::student,
                                   "correct horse battery staple")
                     .value();
    }

    static void TearDownTestSuite() {
        store_.reset();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void SetUp() override {
        ASSERT_NE(store_, nullptr);
        ASSERT_NE(alice_.id, 0);
        ASSERT_NE(bob_.id, 0);
        ASSERT_NE(carol_.id, 0);
        svc_ = std::make_unique<service>(*store_, bus_, *presence_);
    }

    void TearDown() override {
        // Appends still on the writer thread refer to svc_ and bus_.
        store_->flush();
    }

    void use_limits(const limits& l) {
        store_->flush();
        svc_.reset();  // one service per presence: the old one stops listening first
        svc_ = std::make_unique<service>(*store_, bus_, *presence_, l);
    }

    // A fresh room in the school with alice and bob as members (carol never is).
    storage::room new_room() {
        static int counter = 0;
        auto r = store_->create_room(school_.id, "room " + std::to_string(++counter),
                                     storage::room_kind::peer_network);
        EXPECT_TRUE(r);
        if (!r) return {};
        EXPECT_TRUE(store_->add_member(r->id, alice_.id));
        EXPECT_TRUE(store_->add_member(r->id, bob_.id));
        return *r;
    }

    // Appends `n` messages from alice straight into the store (nothing is published).
    bool seed(storage::room_id room, int n) {
        std::atomic<int> failures{0};
        for (int i = 1; i <= n; ++i) {
            storage::append_request req;
            req.room = room;
            req.sender = alice_.id;
            req.client_msg_id = "seed-" + std::to_string(i);
            req.text = "message " + std::to_string(i);
            store_->append(std::move(req), [&](storage::result<storage::append_result> r) {
                if (!r) ++failures;
            });
        }
        store_->flush();
        return failures == 0;
    }

    // service::append, waiting for its completion on the writer thread.
    storage::result<storage::append_result> send(const storage::user& who, storage::room_id room,
                                                 std::string client_id, std::string text) {
        storage::append_request req;
        req.room = room;
        req.sender = who.id;
        req.client_msg_id = std::move(client_id);
        req.text = std::move(text);
        std::promise<storage::result<storage::append_result>> done;
        auto future = done.get_future();
        svc_->append(who, std::move(req), [&done](storage::result<storage::append_result> r) {
            done.set_value(std::move(r));
        });
        return future.get();
    }

    std::uint64_t epoch_of(storage::room_id room) { return store_->get_room(room).value().epoch; }

    // Presence frames the bus carried for `room`: none, each node tells its own connections.
    std::size_t presence_on_the_bus(storage::room_id room) const {
        std::size_t n = 0;
        for (const auto& f : bus_.frames(room)) n += f.body_case() == v1::ServerFrame::kPresence;
        return n;
    }

    std::size_t messages_published(storage::room_id room) const {
        std::size_t n = 0;
        for (const auto& f : bus_.frames(room)) n += f.body_case() == v1::ServerFrame::kMessage;
        return n;
    }

    static inline fs::path dir_;
    static inline std::unique_ptr<storage::store> store_;
    static inline storage::school school_;
    static inline storage::user alice_;
    static inline storage::user bob_;
    static inline storage::user carol_;

    recording_bus bus_;
    std::unique_ptr<presence> presence_ = make_local_presence();
    std::unique_ptr<service> svc_;
};

// ---- membership ----------------------------------------------------------------------------

TEST_F(RoomService, JoinByNonMemberIsRefused) {
    const auto room = new_room();
    auto sub = std::make_shared<recording_subscriber>();
    auto r = svc_->join(carol_, room.id, std::nullopt, 0, sub);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(errc::not_a_member));
    // Refused before anything happened: no bus subscription, no presence, nobody present.
    EXPECT_TRUE(bus_.calls().empty());
    EXPECT_TRUE(bus_.published().empty());
    EXPECT_TRUE(presence_->present(room.id).empty());
}

TEST_F(RoomService, JoinOfUnknownRoomIsRoomNotFound) {
    auto sub = std::make_shared<recording_subscriber>();
    auto r = svc_->join(alice_, 987654321, std::nullopt, 0, sub);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(errc::room_not_found));
    EXPECT_TRUE(bus_.calls().empty());
}

TEST_F(RoomService, AuthorizeChecksRoomAndMembership) {
    const auto room = new_room();
    auto ok = svc_->authorize(alice_, room.id);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->id, room.id);
    EXPECT_EQ(svc_->authorize(carol_, room.id).error(), make_error_code(errc::not_a_member));
    EXPECT_EQ(svc_->authorize(alice_, 987654321).error(), make_error_code(errc::room_not_found));
}

TEST_F(RoomService, AuthorizeSendChecksMembershipAndReadsThePostingStateWithIt) {
    const auto room = new_room();
    auto ok = svc_->authorize_send(alice_, room.id);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->room.id, room.id);
    EXPECT_EQ(ok->room.kind, room.kind);
    EXPECT_FALSE(ok->posting.controls.locked);
    EXPECT_FALSE(ok->posting.session.open());
    EXPECT_EQ(svc_->authorize_send(carol_, room.id).error(), make_error_code(errc::not_a_member));
    EXPECT_EQ(svc_->authorize_send(alice_, 987654321).error(),
              make_error_code(errc::room_not_found));
}

TEST_F(RoomService, HistoryByNonMemberIsRefused) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 2));
    auto r = svc_->history(carol_, room.id, 0, 10);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(errc::not_a_member));
}

TEST_F(RoomService, RoomsOfListsTheUsersRooms) {
    const auto room = new_room();
    auto mine = svc_->rooms_of(alice_);
    ASSERT_TRUE(mine);
    bool found = false;
    for (const auto& r : *mine) found = found || r.id == room.id;
    EXPECT_TRUE(found);
    auto hers = svc_->rooms_of(carol_);
    ASSERT_TRUE(hers);
    EXPECT_TRUE(hers->empty());
}

TEST_F(RoomService, ErrorCodesHaveMessages) {
    EXPECT_EQ(make_error_code(errc::not_a_member).message(), "you are not a member of this room");
    EXPECT_STREQ(rooms_category().name(), "circles.rooms");
}

// ---- fresh join ----------------------------------------------------------------------------

TEST_F(RoomService, FreshJoinReturnsTheNewestPage) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 5));
    auto sub = std::make_shared<recording_subscriber>();
    auto r = svc_->join(alice_, room.id, std::nullopt, 3, sub);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_FALSE(r->recovered);
    EXPECT_EQ(seqs_of(r->messages), seq_range(3, 5));
    EXPECT_EQ(r->messages.back().text, "message 5");
    EXPECT_EQ(r->messages.back().sender_display_name, "Blue Heron");
    EXPECT_TRUE(r->has_more);
    EXPECT_EQ(r->delivered_through, 5u);
    EXPECT_EQ(r->room.id, room.id);
    EXPECT_EQ(r->room.last_seq, 5u);
}

TEST_F(RoomService, FreshJoinOfAShortRoomHasNoMore) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 2));
    auto r =
        svc_->join(alice_, room.id, std::nullopt, 10, std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r);
    EXPECT_EQ(seqs_of(r->messages), seq_range(1, 2));
    EXPECT_FALSE(r->has_more);
    EXPECT_EQ(r->delivered_through, 2u);
}

TEST_F(RoomService, FreshJoinOfAnEmptyRoom) {
    const auto room = new_room();
    auto r = svc_->join(alice_, room.id, std::nullopt, 0, std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->messages.empty());
    EXPECT_FALSE(r->has_more);
    EXPECT_EQ(r->delivered_through, 0u);
    EXPECT_EQ(r->room.last_seq, 0u);
}

TEST_F(RoomService, PageDefaultsAndIsCapped) {
    limits l;
    l.default_page = 2;
    l.max_page = 3;
    use_limits(l);
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 6));
    auto sub = std::make_shared<recording_subscriber>();
    auto by_default = svc_->join(alice_, room.id, std::nullopt, 0, sub);
    ASSERT_TRUE(by_default);
    EXPECT_EQ(seqs_of(by_default->messages), seq_range(5, 6));
    auto capped = svc_->join(alice_, room.id, std::nullopt, 100, sub, /*subscribe=*/false);
    ASSERT_TRUE(capped);
    EXPECT_EQ(seqs_of(capped->messages), seq_range(4, 6));
    auto history = svc_->history(alice_, room.id, 0, 100);
    ASSERT_TRUE(history);
    EXPECT_EQ(history->messages.size(), 3u);
}

TEST_F(RoomService, JoinListsWhoIsPresent) {
    const auto room = new_room();
    auto a = std::make_shared<recording_subscriber>();
    auto b = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, a));
    auto r = svc_->join(bob_, room.id, std::nullopt, 0, b);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->present.size(), 2u);
    EXPECT_EQ(r->present[0].id, std::min(alice_.id, bob_.id));
    EXPECT_EQ(r->present[1].id, std::max(alice_.id, bob_.id));
    for (const auto& m : r->present) {
        EXPECT_TRUE(m.display_name == "Blue Heron" || m.display_name == "Red Fox")
            << "pseudonyms, never usernames: " << m.display_name;
    }
}

// ---- append and fan-out --------------------------------------------------------------------

TEST_F(RoomService, AppendPublishesToAJoinedSubscriberAfterCommit) {
    const auto room = new_room();
    auto sub = std::make_shared<recording_subscriber>();
    std::atomic<int> delivered_uncommitted{0};
    sub->on_deliver = [&](const room_event& ev) {
        if (ev.seq == 0) return;  // presence
        auto stored = store_->since(ev.room, ev.seq - 1, 1);
        if (!stored || stored->empty() || stored->front().seq != ev.seq) ++delivered_uncommitted;
    };
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, sub));

    auto r = send(bob_, room.id, "c-1", "welcome, everyone");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_FALSE(r->duplicate);

    const auto messages = sub->messages();
    ASSERT_EQ(messages.size(), 1u);
    const auto& m = messages[0];
    EXPECT_EQ(m.room_id(), static_cast<std::uint64_t>(room.id));
    EXPECT_EQ(m.seq(), r->seq);
    EXPECT_EQ(m.epoch(), r->epoch);
    EXPECT_EQ(m.sent_at_ms(), static_cast<std::uint64_t>(r->created_at_ms));
    EXPECT_EQ(m.text(), "welcome, everyone");
    EXPECT_EQ(m.client_msg_id(), "c-1");
    EXPECT_EQ(m.sender().user_id(), static_cast<std::uint64_t>(bob_.id));
    EXPECT_EQ(m.sender().display_name(), "Red Fox");
    EXPECT_EQ(m.sender().role(), v1::ROLE_FACILITATOR);
    EXPECT_EQ(m.status(), v1::MESSAGE_STATUS_VISIBLE);
    EXPECT_EQ(delivered_uncommitted.load(), 0);

    // The room event carries the seq so receivers can spot gaps.
    std::vector<storage::seq_t> event_seqs;
    for (const auto& ev : sub->events()) {
        if (ev.seq != 0) event_seqs.push_back(ev.seq);
    }
    EXPECT_EQ(event_seqs, std::vector<storage::seq_t>{r->seq});
}

TEST_F(RoomService, PublishHappensBeforeDone) {
    const auto room = new_room();
    auto sub = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, sub));
    storage::append_request req;
    req.room = room.id;
    req.sender = bob_.id;
    req.client_msg_id = "c-1";
    req.text = "hi";
    std::promise<std::size_t> seen_at_done;
    svc_->append(bob_, std::move(req), [&](storage::result<storage::append_result>) {
        seen_at_done.set_value(sub->messages().size());
    });
    EXPECT_EQ(seen_at_done.get_future().get(), 1u);
}

TEST_F(RoomService, RetriedClientMsgIdIsNotPublishedTwice) {
    const auto room = new_room();
    auto sub = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, sub));

    auto first = send(bob_, room.id, "same-id", "hello");
    auto retry = send(bob_, room.id, "same-id", "hello");
    ASSERT_TRUE(first);
    ASSERT_TRUE(retry);
    EXPECT_FALSE(first->duplicate);
    EXPECT_TRUE(retry->duplicate);
    EXPECT_EQ(retry->seq, first->seq);
    EXPECT_EQ(sub->messages().size(), 1u);
    EXPECT_EQ(messages_published(room.id), 1u);
}

TEST_F(RoomService, AppendReachesEveryJoinedConnection) {
    const auto room = new_room();
    auto a1 = std::make_shared<recording_subscriber>();
    auto a2 = std::make_shared<recording_subscriber>();
    auto b = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, a1));
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, a2));
    ASSERT_TRUE(svc_->join(bob_, room.id, std::nullopt, 0, b));
    ASSERT_TRUE(send(alice_, room.id, "c-1", "one"));
    ASSERT_TRUE(send(alice_, room.id, "c-2", "two"));
    for (const auto& s : {a1, a2, b}) {
        const auto messages = s->messages();
        ASSERT_EQ(messages.size(), 2u);
        EXPECT_EQ(messages[0].text(), "one");
        EXPECT_EQ(messages[1].text(), "two");
        EXPECT_EQ(messages[1].seq(), messages[0].seq() + 1);
    }
}

TEST_F(RoomService, AppendDoesNotReachOtherRooms) {
    const auto room = new_room();
    const auto other = new_room();
    auto elsewhere = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, other.id, std::nullopt, 0, elsewhere));
    ASSERT_TRUE(send(bob_, room.id, "c-1", "not for you"));
    EXPECT_TRUE(elsewhere->messages().empty());
}

TEST_F(RoomService, LeaveStopsDelivery) {
    const auto room = new_room();
    auto a = std::make_shared<recording_subscriber>();
    auto b = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, a));
    ASSERT_TRUE(svc_->join(bob_, room.id, std::nullopt, 0, b));
    svc_->leave(alice_, room.id, a.get());
    ASSERT_TRUE(send(bob_, room.id, "c-1", "after alice left"));
    EXPECT_TRUE(a->messages().empty());
    EXPECT_EQ(b->messages().size(), 1u);
}

TEST_F(RoomService, FreshJoinDeliveredThroughCoversEarlierAppends) {
    const auto room = new_room();
    ASSERT_TRUE(send(bob_, room.id, "c-1", "before"));
    auto sub = std::make_shared<recording_subscriber>();
    auto r = svc_->join(alice_, room.id, std::nullopt, 0, sub);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->messages.size(), 1u);
    EXPECT_EQ(r->delivered_through, r->messages.back().seq);
    auto later = send(bob_, room.id, "c-2", "after");
    ASSERT_TRUE(later);
    EXPECT_GT(later->seq, r->delivered_through);
    ASSERT_EQ(sub->messages().size(), 1u);
    EXPECT_EQ(sub->messages()[0].seq(), later->seq);
}

TEST_F(RoomService, SinceReturnsMessagesAfterASeq) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 4));
    auto r = svc_->since(room.id, 2);
    ASSERT_TRUE(r);
    EXPECT_EQ(seqs_of(*r), seq_range(3, 4));
}

// ---- resume --------------------------------------------------------------------------------

TEST_F(RoomService, ResumeWithMatchingEpochReturnsExactlyTheMissedMessages) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 6));
    auto r = svc_->join(alice_, room.id, resume_point{3, epoch_of(room.id)}, 0,
                        std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_TRUE(r->recovered);
    EXPECT_EQ(seqs_of(r->messages), seq_range(4, 6));
    EXPECT_EQ(r->messages.front().text, "message 4");
    EXPECT_EQ(r->delivered_through, 6u);
    EXPECT_EQ(r->room.last_seq, 6u);
}

TEST_F(RoomService, ResumeThatMissedNothingRecoversWithNoMessages) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 3));
    auto r = svc_->join(alice_, room.id, resume_point{3, epoch_of(room.id)}, 0,
                        std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->recovered);
    EXPECT_TRUE(r->messages.empty());
    EXPECT_EQ(r->delivered_through, 3u);
}

TEST_F(RoomService, ResumeWithWrongEpochReloadsTheNewestPage) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 6));
    auto r = svc_->join(alice_, room.id, resume_point{3, epoch_of(room.id) + 1}, 2,
                        std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->recovered);
    EXPECT_EQ(seqs_of(r->messages), seq_range(5, 6));
    EXPECT_TRUE(r->has_more);
    EXPECT_EQ(r->delivered_through, 6u);
}

TEST_F(RoomService, ResumeFurtherBehindThanMaxReplayReloads) {
    limits l;
    l.max_replay = 3;
    use_limits(l);
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 6));
    const auto epoch = epoch_of(room.id);
    auto sub = std::make_shared<recording_subscriber>();

    auto too_far = svc_->join(alice_, room.id, resume_point{2, epoch}, 2, sub);  // 4 missed
    ASSERT_TRUE(too_far);
    EXPECT_FALSE(too_far->recovered);
    EXPECT_EQ(seqs_of(too_far->messages), seq_range(5, 6));
    EXPECT_EQ(too_far->delivered_through, 6u);

    auto just_enough =
        svc_->join(alice_, room.id, resume_point{3, epoch}, 2, sub, /*subscribe=*/false);
    ASSERT_TRUE(just_enough);
    EXPECT_TRUE(just_enough->recovered);
    EXPECT_EQ(seqs_of(just_enough->messages), seq_range(4, 6));
}

TEST_F(RoomService, ResumeAheadOfTheRoomIsNotRecovered) {
    // A resume point past the room's last committed seq (a client of a restored database, or
    // a confused one) cannot be continued: the connection drops live events at or below
    // delivered_through, so claiming recovery up to seq 10 would hide messages 4..10.
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 3));
    auto r = svc_->join(alice_, room.id, resume_point{10, epoch_of(room.id)}, 0,
                        std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->recovered);
    EXPECT_EQ(seqs_of(r->messages), seq_range(1, 3));
    EXPECT_EQ(r->delivered_through, 3u);
    EXPECT_EQ(r->room.last_seq, 3u);
}

TEST_F(RoomService, ResumeFromZeroWithMatchingEpochReplaysFromTheStart) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 2));
    auto r = svc_->join(alice_, room.id, resume_point{0, epoch_of(room.id)}, 0,
                        std::make_shared<recording_subscriber>());
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->recovered);
    EXPECT_EQ(seqs_of(r->messages), seq_range(1, 2));
    EXPECT_FALSE(r->has_more) << "nothing exists before seq 1";
}

// ---- presence ------------------------------------------------------------------------------

TEST_F(RoomService, PresenceIsToldOnFirstJoinAndLastLeave) {
    const auto room = new_room();
    auto watcher = std::make_shared<recording_subscriber>();
    auto tab1 = std::make_shared<recording_subscriber>();
    auto tab2 = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(bob_, room.id, std::nullopt, 0, watcher));

    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, tab1));
    auto changes = watcher->presence();
    ASSERT_EQ(changes.size(), 2u);  // bob himself, then alice
    EXPECT_TRUE(changes[1].present());
    EXPECT_EQ(changes[1].room_id(), static_cast<std::uint64_t>(room.id));
    EXPECT_EQ(changes[1].member().user_id(), static_cast<std::uint64_t>(alice_.id));
    EXPECT_EQ(changes[1].member().display_name(), "Blue Heron");
    EXPECT_EQ(tab1->presence().size(), 1u) << "alice hears her own arrival";

    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, tab2));  // a second tab
    EXPECT_EQ(watcher->presence().size(), 2u);

    svc_->leave(alice_, room.id, tab1.get());  // one tab still open
    EXPECT_EQ(watcher->presence().size(), 2u);

    svc_->leave(alice_, room.id, tab2.get());
    changes = watcher->presence();
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_FALSE(changes[2].present());
    EXPECT_EQ(changes[2].member().user_id(), static_cast<std::uint64_t>(alice_.id));
    const auto here = presence_->present(room.id);
    ASSERT_EQ(here.size(), 1u);
    EXPECT_EQ(here[0].id, bob_.id);
    EXPECT_EQ(presence_on_the_bus(room.id), 0u) << "each node tells its own connections";
}

TEST_F(RoomService, OthersInTheRoomHearAJoinAndALeave) {
    const auto room = new_room();
    auto b = std::make_shared<recording_subscriber>();
    auto a = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(bob_, room.id, std::nullopt, 0, b));
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, a));
    svc_->leave(alice_, room.id, a.get());
    const auto heard = b->presence();
    ASSERT_EQ(heard.size(), 3u);  // bob himself, alice came, alice went
    EXPECT_EQ(heard[1].member().user_id(), static_cast<std::uint64_t>(alice_.id));
    EXPECT_TRUE(heard[1].present());
    EXPECT_EQ(heard[2].member().user_id(), static_cast<std::uint64_t>(alice_.id));
    EXPECT_FALSE(heard[2].present());
}

TEST_F(RoomService, BusIsSubscribedWhileTheNodeHasMembersInTheRoom) {
    const auto room = new_room();
    auto a = std::make_shared<recording_subscriber>();
    auto b = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc_->join(alice_, room.id, std::nullopt, 0, a));
    EXPECT_TRUE(bus_.subscribed(room.id));
    ASSERT_TRUE(svc_->join(bob_, room.id, std::nullopt, 0, b));
    svc_->leave(alice_, room.id, a.get());
    EXPECT_TRUE(bus_.subscribed(room.id));
    svc_->leave(bob_, room.id, b.get());
    EXPECT_FALSE(bus_.subscribed(room.id));
}

TEST_F(RoomService, ReplayOnlyJoinChangesNeitherPresenceNorSubscriptions) {
    const auto room = new_room();
    ASSERT_TRUE(seed(room.id, 2));
    auto sub = std::make_shared<recording_subscriber>();
    auto r = svc_->join(alice_, room.id, resume_point{1, epoch_of(room.id)}, 0, sub,
                        /*subscribe=*/false);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->recovered);
    EXPECT_TRUE(bus_.calls().empty());
    EXPECT_TRUE(presence_->present(room.id).empty());
}

TEST_F(RoomService, HeldMessagesAreShownOnlyToModeratorsAndTheirSender) {
    const auto room = new_room();
    ASSERT_TRUE(store_->add_member(room.id, carol_.id));
    ASSERT_TRUE(seed(room.id, 1));
    {
        storage::append_request req;
        req.room = room.id;
        req.sender = alice_.id;
        req.client_msg_id = "held-1";
        req.text = "call me at 555 0100";
        req.status = storage::message_status::held;
        std::promise<storage::result<storage::append_result>> done;
        svc_->append(alice_, std::move(req), [&done](storage::result<storage::append_result> r) {
            done.set_value(std::move(r));
        });
        ASSERT_TRUE(done.get_future().get());
    }
    auto seqs_for = [&](const storage::user& viewer) {
        std::vector<storage::seq_t> out;
        auto page = svc_->history(viewer, room.id, 0, 50);
        EXPECT_TRUE(page);
        if (page) {
            for (const auto& m : page->messages) out.push_back(m.seq);
        }
        return out;
    };
    EXPECT_EQ(seqs_for(carol_), (std::vector<storage::seq_t>{1}));
    EXPECT_EQ(seqs_for(alice_), (std::vector<storage::seq_t>{1, 2}));  // her own, marked held
    EXPECT_EQ(seqs_for(bob_), (std::vector<storage::seq_t>{1, 2}));    // the facilitator

    // A join hides it too, but still reports the sequence as covered, so the connection
    // does not mistake the hidden seq for a gap.
    auto joined =
        svc_->join(carol_, room.id, std::nullopt, 50, std::make_shared<recording_subscriber>());
    ASSERT_TRUE(joined);
    ASSERT_EQ(joined->messages.size(), 1u);
    EXPECT_EQ(joined->delivered_through, 2u);
    svc_->leave(carol_, room.id, nullptr);
}

// ---- catch-up --------------------------------------------------------------------------------

// This node's presence, with a hook that runs once inside the next present(): a catch-up reads
// presence after the room's session, so a change made from the hook lands between that read
// and the catch-up's dispatch.
class hooked_presence final : public presence {
  public:
    std::function<void()> once;
    bool enter(storage::room_id room, const member& m) override { return inner_->enter(room, m); }
    bool exit(storage::room_id room, storage::user_id user) override {
        return inner_->exit(room, user);
    }
    void on_change(change_listener f) override { inner_->on_change(std::move(f)); }
    std::vector<member> present(storage::room_id room) override {
        if (auto f = std::exchange(once, nullptr)) f();
        return inner_->present(room);
    }

  private:
    std::unique_ptr<presence> inner_ = make_local_presence();
};

// A catch-up restates the room's session and controls to the node's connections (a session
// opened while the node was cut off from the bus left no gap to reveal it), and what it read
// never reaches them after a newer live change.
TEST_F(RoomService, ACatchUpRestatesTheRoomsStateAndNeverOvertakesALiveChange) {
    hooked_presence hooked;
    service svc(*store_, bus_, hooked);
    const auto room = new_room();
    auto sub = std::make_shared<recording_subscriber>();
    ASSERT_TRUE(svc.join(alice_, room.id, std::nullopt, 0, sub));
    const auto told = [&](v1::ServerFrame::BodyCase kind) {
        std::vector<v1::ServerFrame> out;
        for (auto& f : sub->frames())
            if (f.body_case() == kind) out.push_back(std::move(f));
        return out;
    };

    svc.catch_up(room.id);
    auto sessions = told(v1::ServerFrame::kSession);
    auto controls = told(v1::ServerFrame::kControls);
    ASSERT_EQ(sessions.size(), 1u);
    EXPECT_FALSE(sessions[0].session().open());
    ASSERT_EQ(controls.size(), 1u);
    EXPECT_FALSE(controls[0].controls().locked());
    EXPECT_FALSE(controls[0].controls().has_by()) << "a restatement names nobody";

    // The facilitator opens the session after the catch-up read it closed: the live event is
    // dispatched at once, and the restatement must not follow it with the closed session.
    hooked.once = [&] { ASSERT_TRUE(svc.open_session(bob_, room.id)); };
    svc.catch_up(room.id);
    sessions = told(v1::ServerFrame::kSession);
    ASSERT_GE(sessions.size(), 3u) << "the live event and a restatement read after it";
    EXPECT_TRUE(sessions[1].session().open()) << "the live event";
    for (std::size_t i = 1; i < sessions.size(); ++i)
        EXPECT_TRUE(sessions[i].session().open()) << "frame " << i << " undid the live change";
    svc.leave(alice_, room.id, sub.get());
}

}  // namespace
}  // namespace circles::rooms
