// Runtime configuration of the agent.
#pragma once

#include <string>

namespace netguard {

struct Config {
    std::string update_server;
    int poll_seconds = 300;
    bool telemetry = true;
};

Config load_config(const std::string& path);

}  // namespace netguard
