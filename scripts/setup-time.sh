#!/usr/bin/env bash
# Notes how long a set-up step of `make` took, for `repairity demo` to print where the time went.
#   setup-time.sh begin <id>           the step <id> begins
#   setup-time.sh end <id> <label>     it ended: appends "<label><TAB><seconds>" to the log
# The log is $REPAIRITY_SETUP_LOG (the Makefile names one per make invocation); without it this
# does nothing. A step that fails leaves no line. Logs older than two days are removed.
set -euo pipefail
log=${REPAIRITY_SETUP_LOG:-}
[ -n "$log" ] || exit 0
mkdir -p "$(dirname "$log")"
mark="$log.$2.start"
case $1 in
  begin)
    find "$(dirname "$log")" -maxdepth 1 -type f -mtime +2 -delete 2>/dev/null || true
    date +%s.%N > "$mark"
    ;;
  end)
    [ -f "$mark" ] || exit 0
    awk -v start="$(cat "$mark")" -v now="$(date +%s.%N)" -v label="$3" \
      'BEGIN { printf "%s\t%.1f\n", label, now - start }' >> "$log"
    rm -f "$mark"
    ;;
  *) echo "setup-time.sh: begin or end, not $1" >&2; exit 2 ;;
esac
