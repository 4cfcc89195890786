// The WebAssembly heap seen from JS: buffers for file bytes (allocBuffer / freeBuffer; JS streams a
// download into HEAPU8 there, see js_values.h) and the bytes in use (heapUsed, for leak tests).
#include <emscripten/bind.h>
#include <emscripten/emmalloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

// Heap buffers for file bytes: 64-byte aligned like the file sections. 0 means out of memory.
double alloc_buffer(double size) {
    if (!(size >= 0) || size > 4294967295.0) return 0;
    void* p = std::aligned_alloc(64, (size_t(size) + 63) & ~size_t(63));
    return double(reinterpret_cast<uintptr_t>(p));
}

void free_buffer(double ptr) { std::free(reinterpret_cast<void*>(uintptr_t(ptr))); }

// Bytes malloc'ed and not freed (emmalloc's dynamic heap minus its free blocks): what a leak test
// watches, since the WebAssembly memory itself never shrinks and grows only in big steps.
double heap_used() {
    return double(emmalloc_dynamic_heap_size()) - double(emmalloc_free_dynamic_memory());
}

}  // namespace

EMSCRIPTEN_BINDINGS(deepquan_heap) {
    emscripten::function("allocBuffer", &alloc_buffer);
    emscripten::function("freeBuffer", &free_buffer);
    emscripten::function("heapUsed", &heap_used);
}
