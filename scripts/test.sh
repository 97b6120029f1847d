#!/usr/bin/env bash
# Installs what is missing, builds faultline and runs the whole test suite.
# Environment (all optional; .ci/run sets them, a user needs none):
#   FL_SANITIZE=1        AddressSanitizer and UBSan, a Debug build in build-asan
#   FL_CC=clang          another compiler (its own build directory: build-clang, ...)
#   FL_BUILD_TYPE=Release  another configuration (build-release, build-clang-release)
#   FL_WERROR=1          warnings are errors (CI); a user's build never fails on a warning
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cc=${FL_CC:-}
type=${FL_BUILD_TYPE:-RelWithDebInfo}
dir=build
[ -n "$cc" ] && [ "$cc" != gcc ] && [ "$cc" != cc ] && dir+="-$(basename "$cc" | sed 's/-[0-9.]*$//')"
[ "$type" != RelWithDebInfo ] && dir+="-$(echo "$type" | tr '[:upper:]' '[:lower:]')"
flags=(-DCMAKE_BUILD_TYPE="$type")
if [ "${FL_SANITIZE:-0}" = 1 ]; then
  dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DFL_SANITIZE=ON)
  # Sanitized code runs 3-10x slower, more on a loaded machine: Check's per-test timeouts
  # (4 s by default) are for the normal build. ctest's own TIMEOUT still bounds each suite.
  export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4}
  [ -n "$cc" ] && [ "$cc" != gcc ] && [ "$cc" != cc ] && dir+="-$(basename "$cc" | sed 's/-[0-9.]*$//')"
fi
[ -n "$cc" ] && flags+=(-DCMAKE_C_COMPILER="$cc")
# Always said explicitly, so that a directory CI configured with -Werror does not keep it.
if [ "${FL_WERROR:-0}" = 1 ]; then flags+=(-DFL_WERROR=ON); else flags+=(-DFL_WERROR=OFF); fi
echo "test.sh: $dir (${flags[*]})" >&2
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
