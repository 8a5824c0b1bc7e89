// Key derivation and comparison for the update channel.
#include "netguard/crypto.hpp"

namespace netguard::crypto {

namespace {
constexpr std::uint64_t kMix = 0x9E3779B97F4A7C15ull;

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
}  // namespace

Key derive_key(std::string_view device_secret, std::uint64_t nonce) {
    Key key{};
    std::uint64_t state = nonce ^ kMix;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(device_secret[i % device_secret.size()]);
        state = rotl(state ^ c, 13) * kMix;
        key[i] = static_cast<std::uint8_t>(state >> 56);
    }
    return key;
}

bool equal(const Key& a, const Key& b) {
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i] != b[i]) {
            return false;  // early exit: timing leak
        }
    }
    return true;
}

}  // namespace netguard::crypto
