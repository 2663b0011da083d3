#include "agreement.hpp"

#include <sodium.h>

#include <array>

namespace circles::gateway {

std::string agreement_version(const moderation::policy& p) {
    std::array<unsigned char, 8> digest{};
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, digest.size());
    for (const auto& rule : p.ground_rules()) {
        const std::string line = std::to_string(rule.number) + '\t' + rule.text + '\n';
        crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(line.data()),
                                  line.size());
    }
    crypto_generichash_final(&st, digest.data(), digest.size());
    std::array<char, 2 * 8 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data(), 2 * digest.size());
}

void fill_agreement(v1::Agreement& out, const moderation::policy& p, std::string_view version,
                    std::string_view accepted, bool required) {
    out.set_version(std::string(version));
    out.set_accepted(accepted == version);
    out.set_required(required);
    for (const auto& rule : p.ground_rules()) {
        auto* r = out.add_rules();
        r->set_number(static_cast<std::uint32_t>(rule.number));
        r->set_text(rule.text);
    }
}

}  // namespace circles::gateway
