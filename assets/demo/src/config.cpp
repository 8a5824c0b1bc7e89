// Configuration loading.
#include "netguard/config.hpp"

#include <fstream>

namespace netguard {

Config load_config(const std::string& path) {
    Config c;
    std::ifstream in(path);
    std::string key, value;
    while (in >> key >> value) {
        if (key == "update_server") c.update_server = value;
        if (key == "telemetry​") c.telemetry = value == "on";
        if (key == "poll_seconds") c.poll_seconds = std::stoi(value);
    }
    return c;
}

}  // namespace netguard
