#include "cli/cli.h"

#include <cstdio>
#include <new>

#include "cli/commands.h"
#include "util/interrupt.h"

namespace dqt {

namespace {

const Command* const* all_commands(size_t& n) {
    static const Command* const commands[] = {&train_command(),  &baseline_command(), &eval_command(),
                                              &encode_command(), &search_command(),   &export_faiss_command(), &export_collection_command()};
    n = sizeof commands / sizeof commands[0];
    return commands;
}

std::string usage() {
    std::string s = "usage: deepquan <command> [flags]   (deepquan <command> --help for its flags)\n";
    size_t n = 0;
    const Command* const* commands = all_commands(n);
    for (size_t i = 0; i < n; ++i) {
        const Command* c = commands[i];
        std::string name = std::string("  ") + c->name;
        name.resize(16, ' ');
        s += name + c->summary + "\n";
    }
    return s;
}

}  // namespace

int run_cli(const std::vector<std::string>& argv) {
    install_interrupt_handler();
    if (argv.size() < 2) {
        std::fputs(usage().c_str(), stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (cmd == "--version" || cmd == "version") {
        std::printf("deepquan %s\n", DQ_VERSION);
        return 0;
    }
    size_t n = 0;
    const Command* const* commands = all_commands(n);
    for (size_t ci = 0; ci < n; ++ci) {
        const Command& c = *commands[ci];
        if (cmd != c.name) continue;
        for (size_t i = 2; i < argv.size(); ++i)
            if (argv[i] == "-h" || argv[i] == "--help") {
                std::fputs(help_text(c).c_str(), stdout);
                return 0;
            }
        try {
            Args args(cmd, argv, 2, c.flags);
            return c.run(args);
        } catch (const UsageError& e) {
            std::fprintf(stderr, "deepquan %s: %s (see deepquan %s --help)\n", c.name, e.what(), c.name);
            return 2;
        } catch (const Interrupted&) {
            std::fprintf(stderr, "deepquan %s: interrupted; no partial output was written\n", c.name);
            return 130;
        } catch (const std::bad_alloc&) {
            std::fprintf(stderr, "deepquan %s: out of memory\n", c.name);
            return 1;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "deepquan %s: %s\n", c.name, e.what());
            return 1;
        }
    }
    std::fprintf(stderr, "deepquan: unknown command '%s'\n%s", cmd.c_str(), usage().c_str());
    return 2;
}

}  // namespace dqt
