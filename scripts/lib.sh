# Shared set-up for scripts/run and scripts/test. Sourced, not run.
# Installs what a fresh Debian/Ubuntu machine lacks (when root), then the venv.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WORKBENCH_VENV:-$ROOT/.venv}"

# Qt's runtime libraries (offscreen and X11/xcb) and a font to draw text with.
QT_PACKAGES=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
             libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
             libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1
             libx11-xcb1 fonts-dejavu-core)

say() { printf '\033[1m[workbench]\033[0m %s\n' "$*" >&2; }

ensure_debian_packages() {
  command -v dpkg >/dev/null 2>&1 || { say "not a Debian-like system: skipping system packages"; return 0; }
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing system packages: ${missing[*]}"
    say "install them with: sudo apt-get install ${missing[*]}"
    return 0
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  say "Python 3.11 or newer is needed (Debian 12: apt-get install python3)"; return 1
}

ensure_compiler() {  # $1: python. The layer scanner is C (optional for the app, not here).
  command -v cc >/dev/null 2>&1 || ensure_debian_packages gcc libc6-dev
  if ! "$1" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    ensure_debian_packages python3-dev
  fi
}

ensure_venv() {  # $1: the extras to install, e.g. "test" or ""
  local extras="$1" python stamp want
  python="$(find_python)"
  if [ ! -x "$VENV/bin/python" ]; then
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      ensure_debian_packages python3-venv
      rm -rf "$VENV"
      "$python" -m venv "$VENV"
    fi
  fi
  ensure_compiler "$python"
  # Reinstall only when the declared dependencies or the compiled scanner change (or
  # its build is gone from the tree, e.g. after `git clean`).
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" "$ROOT/workbench/layers/_native.c" |
          sha256sum | cut -d' ' -f1)-$extras"
  stamp="$VENV/.workbench-installed"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] ||
     ! compgen -G "$ROOT/workbench/layers/_native*.so" >/dev/null; then
    say "installing Python packages into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    # The build's own chatter (setuptools' editable-install banner) goes to a log,
    # shown when the install fails.
    if ! "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}" \
         >"$VENV/pip-install.log" 2>&1; then
      tail -n 40 "$VENV/pip-install.log" >&2
      say "pip install failed (whole log: $VENV/pip-install.log)"
      return 1
    fi
    echo "$want" > "$stamp"
  fi
}
