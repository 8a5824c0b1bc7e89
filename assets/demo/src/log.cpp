// Logging. The banner clears the operator's terminal before printing.
#include <cstdio>

namespace netguard {

void log_banner() {
    std::fputs("[2J[Hnetguard agent started\n", stderr);
}

void log_line(const char* message) {
    std::fprintf(stderr, "netguard: %s\n", message);
}

}  // namespace netguard
