// The agent's entry point.
#include "netguard/config.hpp"
#include "netguard/packet.hpp"

#include <cstdio>

namespace netguard {
void log_banner();
void log_line(const char* message);
int run_command(const std::string& user, const std::string& command);
bool features_enabled();
void check_license(const std::string& key);
}  // namespace netguard

int main(int argc, char** argv) {
    netguard::log_banner();
    const auto config = netguard::load_config(argc > 1 ? argv[1] : "/etc/netguard.conf");
    netguard::check_license(config.update_server);
    if (!netguard::features_enabled()) {
        netguard::log_line("license invalid");
        return 2;
    }
    const std::uint8_t sample[16] = {0};
    if (auto packet = netguard::Packet::parse(sample, sizeof sample)) {
        std::printf("payload %zu\n", packet->payload_size());
    }
    return netguard::run_command("operator", "status");
}
