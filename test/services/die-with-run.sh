#!/usr/bin/env bash
# die-with-run.sh DIR VAR DOWN_SCRIPT: the watchdog of one throwaway server (started detached by
# die_with_run in stop-pid.sh). While the jest process that owns the test run is alive
# ($SC_TEST_OWNER_PID, the same process: its start time is checked, so a reused PID does not
# count) and DIR exists, it polls. When the owner is gone (killed: a timeout, Ctrl-C, SIGKILL)
# and DIR is still there, it stops the server with `VAR=DIR bash DOWN_SCRIPT`. A normal teardown
# removes DIR, and the watchdog ends with nothing to do. Each server has its own: two runs never
# watch each other's.
set -u
dir=$1 var=$2 down=$3
owner=${SC_TEST_OWNER_PID:?}
started() { [ -r "/proc/$1/stat" ] && sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }
birth=$(started "$owner") || exit 0
[ -n "$birth" ] || exit 0
echo $$ > "$dir/.watchdog.pid" 2>/dev/null || exit 0
while [ -d "$dir" ] && [ "$(started "$owner" 2>/dev/null)" = "$birth" ]; do sleep 0.5; done
[ -d "$dir" ] || exit 0
env "$var=$dir" bash "$down"
