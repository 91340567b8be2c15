#!/usr/bin/env bash
# Build the one-folder desktop bundle: dist/latent-explorer/latent-explorer (+ _internal/).
#
#   packaging/build.sh [DIST_DIR [WORK_DIR]]
#
# Run it inside the environment the app is installed in (the CPU build of torch, see the
# README's Quick start). It installs PyInstaller there if it is missing. DIST_DIR defaults to
# dist/ and WORK_DIR (PyInstaller's scratch folder) to build/pyinstaller/, both in the
# repository root and both git-ignored. See packaging/README.md for timings and sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
DIST_DIR=$(realpath -m "${1:-$REPO/dist}")
WORK_DIR=$(realpath -m "${2:-$REPO/build/pyinstaller}")
PYTHON=${PYTHON:-python}

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    "$PYTHON" -m pip install -q "pyinstaller>=6.11"
fi
"$PYTHON" -c "import latent_explorer, torch" || {
    echo "build.sh: install the app first (python -m pip install -e .)" >&2
    exit 1
}

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST_DIR" --workpath "$WORK_DIR" packaging/latent_explorer.spec
took=$(( $(date +%s) - start ))

APP="$DIST_DIR/latent-explorer"
echo "built $APP/latent-explorer in ${took} s ($(du -sh "$APP" | cut -f1))"
