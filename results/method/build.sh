#!/bin/sh
# Builds the experiment driver against build/method (configured with -DDQ_BUILD_TESTS=ON; the trainer
# library is compiled for the CPU's level, DQ_TRAINER_MARCH, by its CMakeLists; the driver matches it).
set -e
cd "$(dirname "$0")/../.."
[ -f build/method/CMakeCache.txt ] || cmake -S . -B build/method -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_TESTS=ON >/dev/null
cmake --build build/method -j1 --target dq_trainer_lib >/dev/null
march=$(sed -n 's/^DQ_TRAINER_MARCH:STRING=//p' build/method/CMakeCache.txt)
g++ -O3 ${march:+-march=$march} -ffp-contract=off -fno-math-errno -Wno-maybe-uninitialized -fopenmp -std=c++17 -DDQ_VERSION='"exp"' -Itrainer -Icore/include -I/usr/include/eigen3 \
  results/method/dq_experiment.cpp build/method/trainer/libdq_trainer_lib.a build/method/core/libdq_core.a -lz \
  -o build/method/dq_experiment
