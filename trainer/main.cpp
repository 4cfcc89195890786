// The `deepquan` binary: see cli.h.
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
    return dqt::run_cli(std::vector<std::string>(argv, argv + argc));
}
