#!/usr/bin/env bash
# Two jest runs at the same time in two copies of this tree, as two clones on one machine would
# run them: each must start its own servers (free ports, own folders) and pass. ROUNDS=3 repeats.
#   bash test/services/concurrent-runs.sh               # the suites that use slapd, PostgreSQL, MariaDB, rsyslogd
#   bash test/services/concurrent-runs.sh test/cef ...  # other jest paths
#   FULL=1 bash test/services/concurrent-runs.sh        # the whole `npm test` in each copy
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-1}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(test/auth/ldap-backend.test.ts test/auth/ldap-outage.test.ts test/auth/sql.test.ts \
  test/auth/sql-recovery.test.ts test/cef/rsyslog.test.ts test/cef/syslog-sink.test.ts)

work=$(mktemp -d "${TMPDIR:-/tmp}/sc-concurrent-XXXXXX")
chmod 755 "$work"   # the PostgreSQL tools run as the postgres account, from the copy
trap 'rm -rf "$work"' EXIT
for copy in a b; do
  mkdir -p "$work/$copy"
  # the tracked and new files, as a clone has them (a tree without .git, e.g. an exported
  # archive: all of it but node_modules); node_modules shared through a link
  if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/$copy"
  else
    (cd "$root" && tar --exclude=./node_modules --exclude=./.jest-cache -cf - .) | tar -xf - -C "$work/$copy"
  fi
  ln -s "$root/node_modules" "$work/$copy/node_modules"
done

for round in $(seq 1 "$rounds"); do
  pids=()
  for copy in a b; do
    if [ "${FULL:-}" = 1 ]; then cmd=(npm test); else cmd=(npx jest "${suites[@]}"); fi
    (cd "$work/$copy" && "${cmd[@]}" >"$work/$copy.log" 2>&1) &
    pids+=($!)
  done
  failed=0
  for i in 0 1; do
    copy=$([ $i = 0 ] && echo a || echo b)
    if wait "${pids[$i]}"; then
      echo "concurrent-runs: round $round copy $copy passed: $(grep '^jest: ' "$work/$copy.log" | tail -1)"
    else
      echo "concurrent-runs: round $round copy $copy FAILED:"; tail -n 80 "$work/$copy.log"; failed=1
    fi
  done
  [ $failed = 0 ] || exit 1
done
