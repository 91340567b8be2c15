#!/usr/bin/env bash
# System packages for the OpenGL (3-D map) tests: a virtual X server (Xvfb), Mesa's software
# OpenGL (llvmpipe) and the xcb libraries that Qt's xcb platform plugin loads. Found by running
# a small PySide6 app under `xvfb-run -a env QT_QPA_PLATFORM=xcb QT_DEBUG_PLUGINS=1` on a bare
# Debian 12 image and by `ldd` on PySide6's xcb plugin and GL libraries.
# Idempotent and quiet: does nothing when every package is already installed.
set -euo pipefail

packages=(
  xvfb xauth
  libgl1 libegl1 libglx0 libglx-mesa0 libgl1-mesa-dri libglvnd0
  libx11-6 libx11-xcb1 libxcb1 libxcb-glx0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
  libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon0 libxkbcommon-x11-0
  libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
