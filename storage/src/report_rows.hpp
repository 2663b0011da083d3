#pragma once
// What both stores share about peer reports: the columns a read selects and how a row becomes
// a `report` (its note opened with the room key it was sealed with), the note's associated
// data, and the audit entries. Audit entries name ids and the category, never the note.
#include <cstdint>
#include <string>
#include <string_view>

#include "circles/storage/audit.hpp"
#include "circles/storage/keyring.hpp"
#include "circles/storage/types.hpp"
#include "store_common.hpp"

namespace circles::storage::detail {

// What a report read selects, in the order report_from reads it; each query adds its WHERE.
inline constexpr std::string_view report_select =
    "SELECT id, room_id, seq, reporter_id, category, key_id, nonce, ciphertext, state,"
    " coalesce(escalation_id, 0), created_at_ms, coalesce(handled_by, 0),"
    " coalesce(handled_at_ms, 0) FROM reports";

// report_select with `where` (a WHERE clause and what follows it).
inline std::string report_where(std::string_view where) {
    return std::string(report_select) + " " + std::string(where);
}

// Associated data of a report's sealed note ("report|id|key_id").
std::string report_ad(std::int64_t id, std::int64_t key_id);

// A row of report_select, its note opened with `load_key(room, key_id)` (a key_cache lookup);
// never an unauthenticated note.
template <class Int64, class Bytes, class LoadKey>
result<report> report_from(const Int64& int64, const Bytes& bytes, const LoadKey& load_key) {
    report r;
    r.id = int64(0);
    r.room = int64(1);
    r.seq = static_cast<seq_t>(int64(2));
    r.reporter = int64(3);
    r.category = static_cast<report_category>(int64(4));
    const std::int64_t key_id = int64(5);
    const sealed box{bytes(6), bytes(7)};
    r.state = static_cast<report_state>(int64(8));
    r.escalation_id = int64(9);
    r.created_at_ms = int64(10);
    r.handled_by = int64(11);
    r.handled_at_ms = int64(12);
    auto note = open_row(load_key(r.room, key_id), box, report_ad(r.id, key_id));
    if (!note) return note.error();
    r.note = std::move(*note);
    return r;
}

audit_record report_filed(school_id school, const report& r);
// "report.dismissed" or "report.actioned", by `by`.
audit_record report_settled(school_id school, const report& r, user_id by);

}  // namespace circles::storage::detail
