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
