// `circles admin school-escalation`: a school's acknowledgement deadline, webhook and contact
// list (see admin_command.hpp).
#include <ostream>
#include <stdexcept>

#include "circles/gateway/admin_command.hpp"
#include "circles/gateway/command_line.hpp"
#include "circles/storage/limits.hpp"
#include "webhook.hpp"

namespace circles::gateway {
namespace {

std::int64_t parse_deadline_ms(const std::string& value) {
    const auto seconds =
        parse_count("--deadline-seconds", value,
                    static_cast<std::size_t>(storage::limits::min_ack_deadline.count() / 1000),
                    static_cast<std::size_t>(storage::limits::max_ack_deadline.count() / 1000));
    return static_cast<std::int64_t>(seconds) * 1000;
}

std::vector<std::vector<storage::user_id>> parse_contacts(storage::store& store,
                                                          const storage::school& school,
                                                          const std::string& value) {
    std::vector<std::vector<storage::user_id>> levels;
    for (const auto& level_text : split_list(value, ';', true)) {
        std::vector<storage::user_id> level;
        for (const auto& name : split_list(level_text, ',')) {
            auto u = store.find_user(name);
            if (!u || u->school != school.id) {
                throw std::invalid_argument("--contacts: no user '" + name + "' in school '" +
                                            school.slug + "'");
            }
            if (u->user_role == storage::role::student) {
                throw std::invalid_argument("--contacts: '" + name + "' is a student");
            }
            level.push_back(u->id);
        }
        if (level.empty()) {
            throw std::invalid_argument(
                "--contacts: every level needs a user (levels are "
                "separated by ';', users by ',')");
        }
        levels.push_back(std::move(level));
    }
    if (levels.size() > storage::limits::max_contact_levels) {
        throw std::invalid_argument("--contacts: at most " +
                                    std::to_string(storage::limits::max_contact_levels) +
                                    " levels");
    }
    return levels;
}

void print(std::ostream& out, storage::store& store, const storage::school& school,
           const storage::escalation_settings& s) {
    out << "school " << school.slug << ": deadline " << s.ack_deadline_ms / 1000 << " s";
    out << ", webhook ";
    if (s.webhook_url.empty()) {
        out << "none";
    } else if (auto u = parse_webhook_url(s.webhook_url)) {
        out << u->for_log;  // never the credentials or the query
    } else {
        out << "(invalid)";
    }
    out << "\n";
    if (s.contacts.empty())
        out << "  no contacts: escalations reach the school's counselors online\n";
    for (std::size_t level = 0; level < s.contacts.size(); ++level) {
        out << "  level " << level << ":";
        for (const auto id : s.contacts[level]) {
            auto u = store.get_user(id);
            out << ' ' << (u ? u->username : "#" + std::to_string(id));
        }
        out << "\n";
    }
}

}  // namespace

int run_school_escalation(std::vector<std::string> args, std::ostream& out) {
    const auto slug = take_option(args, "--school");
    const auto where = take_store_choice(args, "school-escalation");
    const auto deadline = take_option(args, "--deadline-seconds");
    const auto webhook = take_option(args, "--webhook");
    const auto contacts = take_option(args, "--contacts");
    no_more_args(args);
    if (slug.empty()) throw std::invalid_argument("school-escalation needs --school SLUG");
    if (!webhook.empty() && webhook != "none" &&
        (!parse_webhook_url(webhook) || webhook.size() > storage::limits::max_webhook_url_bytes)) {
        throw std::invalid_argument(
            "--webhook must be http://host[:port]/path (plain HTTP), or none");
    }

    // Checked before the store opens: a typo is reported without touching the database.
    const std::int64_t deadline_ms = deadline.empty() ? 0 : parse_deadline_ms(deadline);
    auto store = open_chosen_store(where);
    auto school = store->find_school(slug);
    if (!school) throw std::runtime_error("school-escalation: no school '" + slug + "'");
    auto settings = must(store->escalation_settings_of(school->id),
                         "school-escalation: cannot read the settings");
    const bool change = !deadline.empty() || !webhook.empty() || !contacts.empty();
    if (deadline_ms != 0) settings.ack_deadline_ms = deadline_ms;
    if (!webhook.empty()) settings.webhook_url = webhook == "none" ? "" : webhook;
    if (!contacts.empty()) settings.contacts = parse_contacts(*store, *school, contacts);
    if (change) must(store->set_escalation_settings(settings), "school-escalation");
    print(out, *store, *school, settings);
    return 0;
}

}  // namespace circles::gateway
