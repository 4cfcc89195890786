#!/bin/sh
# Builds the experiment driver against build/method (configured with -DDQ_BUILD_TESTS=ON; the trainer
# library is compiled with -march=x86-64-v3 by its CMakeLists).
set -e
cd "$(dirname "$0")/../.."
[ -f build/method/CMakeCache.txt ] || cmake -S . -B build/method -DCMAKE_BUILD_TYPE=Release -DDQ_BUILD_TESTS=ON >/dev/null
cmake --build build/method -j1 --target dq_trainer_lib >/dev/null
g++ -O3 -march=x86-64-v3 -fopenmp -std=c++17 -DDQ_VERSION='"exp"' -Itrainer -Icore/include -I/usr/include/eigen3 \
  results/method/dq_experiment.cpp build/method/trainer/libdq_trainer_lib.a build/method/core/libdq_core.a -lz \
  -o build/method/dq_experiment
