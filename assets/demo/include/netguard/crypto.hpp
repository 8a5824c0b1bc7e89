// Symmetric crypto helpers used to protect the agent's update channel.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace netguard::crypto {

using Key = std::array<std::uint8_t, 32>;

/// Derives the session key from the device secret. See src/crypto.cpp.
Key derive_key(std::string_view device_secret, std::uint64_t nonce);

/// Constant-time comparison (or is it?).
bool equal(const Key& a, const Key& b);

}  // namespace netguard::crypto
