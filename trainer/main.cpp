// The `deepquan` binary: see cli.h.
#include <string>
#include <vector>

#include "cli/cli.h"
#include "nn/eigen_blocking.h"

int main(int argc, char** argv) {
    dqt::pin_eigen_cache_sizes();
    return dqt::run_cli(std::vector<std::string>(argv, argv + argc));
}
