#!/usr/bin/env bash
# Installs everything a fresh Debian bookworm machine lacks to build, test and demo DeepQuan:
# Debian packages (compilers, Emscripten, Eigen, Catch2, zlib, libpng, libjpeg-turbo, Chromium, Faiss for interop checks,
# the Fashion-MNIST data) and the npm packages in package-lock.json. Idempotent; run as root (or
# with sudo available). Nothing is downloaded from anywhere but Debian and the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config python3 emscripten libeigen3-dev catch2 zlib1g-dev
      dataset-fashion-mnist chromium python3-faiss python3-numpy clang libclang-rt-14-dev)
# PNG and JPEG decoding of image folders (trainer/data/image_decode.h).
pkgs+=(libpng-dev libjpeg62-turbo-dev)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: not root and no sudo; install: ${pkgs[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "setup: installing Node.js and npm from Debian"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "setup: Node.js >= 18 is needed (node:test, fetch); found $(node --version)" >&2
  exit 1
fi

# npm packages from the committed lock file; skipped when node_modules already matches it.
stamp=node_modules/.dq-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
else
  echo "setup: npm packages present"
fi

# Debian's Emscripten 3.1.6 optimizer needs acorn from Debian's node-acorn under Node 20; the first
# em++ run also builds its system libraries into the cache, so warm it here, once, outside the tests.
export NODE_PATH=/usr/share/nodejs
if [ ! -f build/.emcache-warm ]; then
  echo "setup: warming the Emscripten cache"
  tmp=$(mktemp -d)
  printf '#include <emscripten/bind.h>\n#include <stdexcept>\nint f(int x){ if(x<0) throw std::runtime_error("x"); return x; }\nEMSCRIPTEN_BINDINGS(m){ emscripten::function("f",&f); }\n' > "$tmp/w.cpp"
  em++ -O2 -fexceptions --bind -msimd128 -sMODULARIZE -sEXPORT_ES6 "$tmp/w.cpp" -o "$tmp/w.mjs"
  rm -rf "$tmp"
  mkdir -p build && touch build/.emcache-warm
fi

node scripts/prepare-data.mjs mnist10k
echo "setup: done"
