// Error types of the DeepQuan core.
//
// Every failure that a caller can cause (a bad file, a wrong size, a NaN input, an absurd k) throws
// one of these with a message that names the field and the numbers. `assert` is kept for internal
// invariants only. Bindings translate them: the CLI prints what() and exits non-zero, the wasm
// layer re-throws a JS Error with the same text.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

namespace dq {

/// Any error the core reports to its caller.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

/// A model (.dqm) or database (.dqdb) file that is malformed, truncated, corrupt, of an unsupported
/// version, or that does not belong to the model it is used with.
class FormatError : public Error {
public:
    explicit FormatError(const std::string& msg) : Error(msg) {}
};

/// printf-style formatting into a std::string (used by DQ_CHECK and the readers).
std::string strformat(const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

}  // namespace dq

/// Throw dq::Error with a formatted message unless `cond` holds.
/// Example: DQ_CHECK(k > 0, "k must be positive, got %d", k);
#define DQ_CHECK(cond, ...)                                  \
    do {                                                     \
        if (!(cond)) throw ::dq::Error(::dq::strformat(__VA_ARGS__)); \
    } while (0)

/// Same as DQ_CHECK but throws dq::FormatError (file readers).
#define DQ_CHECK_FORMAT(cond, ...)                                 \
    do {                                                           \
        if (!(cond)) throw ::dq::FormatError(::dq::strformat(__VA_ARGS__)); \
    } while (0)
