// Shared by the Embind layer (wasm/bindings/*.cpp, the only files that include emscripten headers):
// JS values in and out, and the error convention.
//
// Conventions (the ESM wrapper in js/index.mjs builds the public API on them):
// - Inputs are JS typed arrays, copied into C++ vectors once (typed_memory_view(...).set(arr)).
// - Outputs are fresh typed arrays (.slice() of a view over a C++ buffer); no heap view outlives a
//   call, since memory growth detaches them.
// - Errors: every entry point catches dq::Error / std::exception and RETURNS a real JS Error made
//   with val::global("Error").new_(msg); the wrapper's shim throws it. Throwing it from here with
//   val::throw_() unwinds the wasm frames from JS without running their epilogues: measured on
//   3.1.6, the shadow-stack pointer then leaks ~48 bytes per error and the C++ exception object is
//   never freed, so enough bad calls would overflow the stack. Returning keeps both intact.
// - Big files go through a heap buffer: JS allocates it with allocBuffer(n) (heap.cpp), streams the
//   download into HEAPU8 at that address, and NativeIndex.open() (native_index.cpp) or
//   readDatabase() (database_file.cpp) parses from it; then JS frees it.
#pragma once

#include <emscripten/val.h>

#include <cstddef>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "dq/database.h"
#include "dq/error.h"

namespace dqjs {

using emscripten::typed_memory_view;
using emscripten::val;

inline val js_error(const std::string& msg) { return val::global("Error").new_(msg); }

// Runs f() and converts any C++ exception into a returned JS Error.
template <class F>
val guarded(F&& f) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return js_error("out of memory (the WebAssembly heap is limited to 1 GiB)");
    } catch (const std::exception& e) {
        return js_error(e.what());
    } catch (...) {
        return js_error("deepquan: unknown native error");
    }
}

/// A typed array of exactly `expected` values, copied in; `what` names it in the error otherwise.
template <class T>
std::vector<T> copy_in(const val& arr, size_t expected, const char* what) {
    const size_t len = arr["length"].as<size_t>();
    DQ_CHECK(len == expected, "%s: expected %zu values, got %zu", what, expected, len);
    std::vector<T> v(len);
    if (len) val(typed_memory_view(len, v.data())).call<void>("set", arr);
    return v;
}

/// A typed array of any length, copied in.
template <class T>
std::vector<T> copy_list(const val& arr) {
    const size_t len = arr["length"].as<size_t>();
    std::vector<T> v(len);
    if (len) val(typed_memory_view(len, v.data())).call<void>("set", arr);
    return v;
}

/// A fresh typed array holding p[0 .. n).
template <class T>
val copy_out(const T* p, size_t n) {
    return val(typed_memory_view(n, p)).call<val>("slice");
}

/// [height, width, channels] of a database's thumbnails, or null when it has none.
inline val thumb_shape(const dq::Database& db) {
    if (!db.thumb_height) return val::null();
    val shape = val::array();
    shape.call<void>("push", db.thumb_height);
    shape.call<void>("push", db.thumb_width);
    shape.call<void>("push", db.thumb_channels);
    return shape;
}

}  // namespace dqjs
