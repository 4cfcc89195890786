#!/bin/sh
# Builds the experiment driver against build/method-fast (configured with -mavx2 -mfma).
set -e
cd "$(dirname "$0")/../.."
cmake --build build/method-fast -j2 --target dq_trainer_lib >/dev/null
g++ -O3 -mavx2 -mfma -fopenmp -std=c++17 -DDQ_VERSION='"exp"' -Itrainer -Icore/include -I/usr/include/eigen3 \
  results/method/dq_experiment.cpp build/method-fast/trainer/libdq_trainer_lib.a build/method-fast/core/libdq_core.a -lz \
  -o build/method-fast/dq_experiment
