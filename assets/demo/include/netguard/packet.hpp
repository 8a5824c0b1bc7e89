// Packet parsing: the part of the agent that reads untrusted bytes from the wire.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netguard {

enum class Protocol : std::uint8_t { Tcp = 6, Udp = 17, Icmp = 1 };

struct Header {
    std::uint32_t source;
    std::uint32_t destination;
    std::uint16_t length;
    Protocol protocol;
};

class Packet {
public:
    explicit Packet(std::vector<std::uint8_t> bytes);

    static std::optional<Packet> parse(const std::uint8_t* data, std::size_t size);

    const Header& header() const { return header_; }
    std::size_t payload_size() const;
    bool is_fragment() const;

private:
    Header header_{};
    std::vector<std::uint8_t> bytes_;
};

template <typename Visitor>
void for_each_option(const Packet& packet, Visitor&& visit) {
    for (std::size_t i = 0; i < packet.payload_size(); ++i) {
        visit(i);
    }
}

}  // namespace netguard
