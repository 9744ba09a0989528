# Shared helpers for the ci/ scripts. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Plain lines when not on a terminal (CI), a little colour when on one. Each step says how far
# into the run it starts (the first ci/ script sets the origin; the scripts it calls inherit it),
# so a CI log shows where its time went.
export WSPROBE_CI_ORIGIN="${WSPROBE_CI_ORIGIN:-$(date +%s)}"
since_origin() {
  local now
  now=$(date +%s)
  echo "+$((now - WSPROBE_CI_ORIGIN)) s"
}
if [ -t 1 ]; then
  step() { printf '\n\033[1m== %s\033[0m  [%s]\n' "$*" "$(since_origin)"; }
else
  step() { printf '\n== %s  [%s]\n' "$*" "$(since_origin)"; }
fi
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

JOBS="${JOBS:-$(nproc)}"

# Debian's /usr/bin/python3 is the one that sees the python3-* debs (pytest and friends).
PYTHON=/usr/bin/python3

# Sanitizer settings for every instrumented run: stop at the first report, with a stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
