# Sourced by the *-down.sh scripts. stop_pid FILE: SIGTERM the process whose PID FILE records,
# wait for it to exit (SIGKILL after 10 s), remove FILE. Nothing is done without the file.
stop_pid() {
  local file=$1 pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || { rm -f "$file"; return 0; }
  for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$file"
}

# refuse_running FILE NAME: exit 1 when FILE names a live process (an instance is already up in
# this folder: stop it with NAME-down.sh first), drop FILE when that process is gone.
refuse_running() {
  local file=$1 name=$2
  [ -f "$file" ] || return 0
  if kill -0 "$(cat "$file")" 2>/dev/null; then
    echo "$name: already running in this folder (pid $(cat "$file")); stop it with $name-down.sh" >&2
    exit 1
  fi
  rm -f "$file"
}

# die_with_run NAME VAR DIR: under a jest run (SC_TEST_OWNER_PID, set by global-setup.ts), starts
# the watchdog (die-with-run.sh) that stops the server in DIR with NAME-down.sh if the run is
# killed before its teardown. Detached (its own session, no inherited output or lock), so a
# Ctrl-C of the run does not stop it and no caller waits on its output; one per DIR.
die_with_run() {
  local name=$1 var=$2 dir=$3 here
  [ -n "${SC_TEST_OWNER_PID:-}" ] || return 0
  if [ -f "$dir/.watchdog.pid" ] && kill -0 "$(cat "$dir/.watchdog.pid")" 2>/dev/null; then return 0; fi
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  setsid bash "$here/die-with-run.sh" "$dir" "$var" "$here/$name-down.sh" </dev/null >/dev/null 2>&1 9>&- &
}
