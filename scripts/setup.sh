#!/usr/bin/env bash
# Installs what faultline needs on a Debian machine (as root), only what is missing.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libglib2.0-dev libjson-glib-dev libgsl-dev
      libsdl2-dev libsdl2-ttf-dev libpng-dev fonts-dejavu-core check xvfb xauth xdotool
      libplplot-dev plplot-driver-cairo parallel)
# Another compiler only when a build asks for it (FL_CC=clang: .ci/run's clang builds), so a
# user's first build does not pull in a second toolchain.
case "$(basename "${FL_CC:-none}")" in
  clang | clang-[0-9]*) pkgs+=("$(basename "$FL_CC")") ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
