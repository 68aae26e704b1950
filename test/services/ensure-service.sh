#!/usr/bin/env bash
# Starts service $1 (ldap, pg, maria, rsyslog) once for this test run and prints its KEY=VALUE
# environment. It runs on free loopback ports in its own folder $SC_TEST_RUN_DIR/$1; a lock
# there makes parallel jest workers share one instance. The run's globalTeardown stops it.
set -euo pipefail
name=$1
run=${SC_TEST_RUN_DIR:?SC_TEST_RUN_DIR is not set (jest globalSetup sets it)}
here=$(cd "$(dirname "$0")" && pwd)
dir="$run/$name"

exec 9>"$run/$name.lock"
flock 9
if [ -f "$dir/env" ]; then cat "$dir/env"; exit 0; fi

# N distinct loopback ports free right now (all bound at once, then released)
free_ports() {
  node -e '
    const net = require("net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });' "$1"
}

# A port can be taken between the probe and the server's bind: then the up script fails and we retry.
for attempt in 1 2 3; do
  rm -rf "$dir"
  case $name in
    ldap)
      read -r p1 p2 < <(free_ports 2)
      vars=(LDAP_DIR="$dir" LDAP_PORT="$p1" LDAPS_PORT="$p2")
      env=$(printf '%s\n' "SC_LDAP_URL=ldap://127.0.0.1:$p1" "SC_LDAPS_URL=ldaps://localhost:$p2" \
        "SC_LDAP_TLS_CA=$dir/tls/ca.pem" "SC_LDAP_BASE=dc=example,dc=com" \
        "SC_LDAP_ADMIN=cn=admin,dc=example,dc=com" "SC_LDAP_ADMIN_PASSWORD=admin-secret") ;;
    pg)
      read -r p1 < <(free_ports 1)
      vars=(PG_DIR="$dir" PG_PORT="$p1")
      env="SC_PG_URL=postgres://postgres@127.0.0.1:$p1/test" ;;
    maria)
      read -r p1 < <(free_ports 1)
      vars=(MY_DIR="$dir" MY_PORT="$p1")
      env="SC_MARIA_URL=mysql://test:test@127.0.0.1:$p1/test" ;;
    rsyslog)
      read -r p1 < <(free_ports 1)
      vars=(SYSLOG_DIR="$dir" SYSLOG_PORT="$p1")
      env=$(printf '%s\n' "SC_SYSLOG_DIR=$dir" "SC_SYSLOG_PORT=$p1") ;;
    *) echo "unknown service '$name'" >&2; exit 2 ;;
  esac
  # 9>&-: the servers it starts must not inherit (and so hold) the lock
  if env "${vars[@]}" bash "$here/$name-up.sh" >"$run/$name.log" 2>&1 9>&-; then
    printf '%s\n' "$env" > "$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    cat "$dir/env"
    exit 0
  fi
  # stop whatever this attempt started (by the PID it recorded in $dir), then try other ports
  env "${vars[@]}" bash "$here/$name-down.sh" >>"$run/$name.log" 2>&1 9>&- || true
  echo "$name: start attempt $attempt failed:" >&2
  tail -n 20 "$run/$name.log" >&2
done
echo "$name: could not start (log: $run/$name.log)" >&2
exit 1
