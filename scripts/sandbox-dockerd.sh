#!/usr/bin/env bash
# Makes sure a Docker engine answers on the local socket (or on $DOCKER_HOST).
# If none does, starts `dockerd` in the background, trying the overlay2 storage driver first and
# vfs second, with its log in $REPAIRITY_CACHE/sandbox/dockerd.log. Idempotent: a running engine
# is left alone. Needs root (or passwordless sudo) to start the daemon.
set -euo pipefail

CACHE="${REPAIRITY_CACHE:-$HOME/.cache/repairity}"
LOG_DIR="$CACHE/sandbox"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/dockerd.log"
PIDFILE="$LOG_DIR/dockerd.pid"

engine_answers() {
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    docker info >/dev/null 2>&1
    return
  fi
  [[ -S /var/run/docker.sock ]] && curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
}

if engine_answers; then
  echo "sandbox: Docker engine is reachable"
  exit 0
fi
if [[ -n "${DOCKER_HOST:-}" ]]; then
  echo "sandbox: DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST" >&2
  exit 1
fi

SUDO=""
if [[ "$(id -u)" != 0 ]]; then SUDO="sudo -n"; fi
command -v dockerd >/dev/null || { echo "sandbox: dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }

for driver in overlay2 vfs; do
  echo "sandbox: starting dockerd with storage driver $driver (log: $LOG)"
  # setsid + nohup: the daemon outlives this script and the make process that ran it.
  $SUDO rm -f "$PIDFILE"
  $SUDO setsid nohup dockerd --storage-driver "$driver" --pidfile "$PIDFILE" >>"$LOG" 2>&1 </dev/null &
  launcher=$!
  for _ in $(seq 1 60); do
    if engine_answers; then
      echo "sandbox: Docker engine is up (storage driver $driver)"
      exit 0
    fi
    # Stop waiting as soon as the daemon has died (for example: driver not supported here).
    if ! kill -0 "$launcher" 2>/dev/null; then break; fi
    sleep 0.5
  done
  # Stop only the daemon this script started, by its pid.
  if [[ -s "$PIDFILE" ]]; then $SUDO kill "$(cat "$PIDFILE")" 2>/dev/null || true; fi
  sleep 1
done
echo "sandbox: could not start dockerd; see $LOG" >&2
exit 1
