# The scan benchmark (tests/bench/bench_scan.cpp) as Node programs, in the two wasm
# builds (SIMD128 and scalar): what scripts/bench-scan.sh runs. Included at the end of the top-level project()
# by the `wasm-bench-scan` preset (CMAKE_PROJECT_INCLUDE), so no CMakeLists.txt of the project changes; the
# targets build only when asked for (scripts/bench-scan.sh: cmake --build --preset wasm-bench-scan).
#
# The core sources the scan needs, compiled as in the wasm builds: -O3 (the preset's CMAKE_CXX_FLAGS_RELEASE, no
# -DNDEBUG), no FMA contraction; the SIMD build adds -msimd128 and the *-wasmsimd.cpp kernels
# (DQ_KERNELS_WASMSIMD), the scalar build has neither. SINGLE_FILE so that plain `node bench-simd.js` works on
# Node 20 (no fetch of a .wasm).
if(NOT EMSCRIPTEN)
  message(FATAL_ERROR "scripts/bench/wasm-scan.cmake: Emscripten only (preset wasm-bench-scan)")
endif()
set(_dq_root ${CMAKE_CURRENT_SOURCE_DIR})
set(_dq_out ${CMAKE_BINARY_DIR}/bench-scan)
set(DQ_SCAN_CORE_SRCS error.cpp pq.cpp scan.cpp topk.cpp fastscan.cpp filter.cpp scan_batch.cpp)
list(TRANSFORM DQ_SCAN_CORE_SRCS PREPEND ${_dq_root}/core/src/)
file(GLOB DQ_SCAN_WASMSIMD_ALL ${_dq_root}/core/src/kernels/*-wasmsimd.cpp)
set(DQ_SCAN_LINK -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=1GB -sSINGLE_FILE=1 -sENVIRONMENT=node)

# Emscripten 3.1.6 emits CommonJS; the repository's package.json says "type": "module".
file(WRITE ${_dq_out}/package.json "{\"type\": \"commonjs\"}\n")

function(dq_wasm_scan_program target output simd)
  add_executable(${target} ${ARGN})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${output} SUFFIX ".js" RUNTIME_OUTPUT_DIRECTORY ${_dq_out}
                        CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF EXCLUDE_FROM_ALL ON
                        RULE_LAUNCH_LINK "${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs")
  target_include_directories(${target} PRIVATE ${_dq_root}/core/include ${_dq_root}/core/src)
  target_compile_options(${target} PRIVATE -ffp-contract=off -fno-fast-math -Wall -Wextra)
  target_link_options(${target} PRIVATE ${DQ_SCAN_LINK})
  if(simd)
    target_compile_options(${target} PRIVATE -msimd128)
    target_compile_definitions(${target} PRIVATE DQ_KERNELS_WASMSIMD=1)
    target_link_options(${target} PRIVATE -msimd128)
  endif()
endfunction()

dq_wasm_scan_program(dq_bench_scan_simd bench-simd ON ${DQ_SCAN_CORE_SRCS} ${DQ_SCAN_WASMSIMD_ALL} ${_dq_root}/tests/bench/bench_scan.cpp)
dq_wasm_scan_program(dq_bench_scan_scalar bench-scalar OFF ${DQ_SCAN_CORE_SRCS} ${_dq_root}/tests/bench/bench_scan.cpp)
