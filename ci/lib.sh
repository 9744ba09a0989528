# Shared helpers for the ci/ scripts. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Plain lines when not on a terminal (CI), a little colour when on one.
if [ -t 1 ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

JOBS="${JOBS:-$(nproc)}"

# Debian's /usr/bin/python3 is the one that sees the python3-* debs (pytest and friends).
PYTHON=/usr/bin/python3

# Sanitizer settings for every instrumented run: stop at the first report, with a stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
