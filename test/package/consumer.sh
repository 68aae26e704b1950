#!/usr/bin/env bash
# The package as a new project gets it (.ci/run runs this; by hand: bash test/package/consumer.sh).
#  1. `npm pack` (prepare builds dist/), and the tarball holds what it must and nothing else;
#  2. a fresh temporary project installs it with the toolchain README.md documents, from the npm
#     cache `npm ci` filled (--prefer-offline);
#  3. a two-route app is compiled against it twice, with experimentalDecorators (+ decorator
#     metadata, node16 modules) and with TC39 standard decorators (nodenext modules);
#  4. each build is served by the installed `services-core serve` bin on a free port, with a user
#     added by the installed `services-core users` into SQLite (better-sqlite3 and argon2 native
#     code as installed), requested (a public route, a Basic-auth route, a 401), then stopped;
#     `services-core config` names the `npm i` for each driver it lacks (pg, mysql2, ldapjs);
#  5. the app's jest tests run through ts-jest and `services-core/testing` (createTestApp, serveApp).
# SC_CONSUMER_KEEP=1 keeps the temporary folder. Prints the time each step took.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-consumer-XXXXXX")
serve_pid=
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; fi
  if [ "${SC_CONSUMER_KEEP:-}" = 1 ]; then echo "consumer: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
started=$SECONDS
step() { echo "consumer: $1 ($((SECONDS - started)) s)"; }
fail() { echo "consumer: FAILED: $1" >&2; exit 1; }

# --- 1. pack --------------------------------------------------------------------------------
cd "$root"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
tar -tzf "$tarball" | sed 's#^package/##' | sort >"$work/contents"
for must in package.json README.md LICENSE dist/index.js dist/index.d.ts dist/cli/main.js dist/testing/index.js dist/config/index.d.ts; do
  grep -qx "$must" "$work/contents" || fail "the tarball has no $must"
done
if grep -vE '^(package\.json|README\.md|LICENSE|dist/.*\.(js|d\.ts))$' "$work/contents"; then
  fail "the tarball holds files it should not (above)"
fi
step "packed $(basename "$tarball"): $(wc -l <"$work/contents") files, $(du -k "$tarball" | cut -f1) KiB"

# --- 2. install -----------------------------------------------------------------------------
# The toolchain versions are the ones this repository is tested with (its lock file).
locked() { node -p "require('$root/package-lock.json').packages['node_modules/$1'].version"; }
app="$work/app"
mkdir -p "$app/src"
cd "$app"
cat >package.json <<'EOF'
{ "name": "consumer-check", "version": "1.0.0", "private": true, "license": "UNLICENSED" }
EOF
# Install scripts are skipped, then the native addons (better-sqlite3 and the optional unix-dgram,
# the only packages with one) get the build `npm ci` made here when it is the same version, as
# compiling better-sqlite3 again takes minutes (7 on a busy 2-core machine); SC_CONSUMER_REBUILD=1
# compiles them as a plain `npm install` would.
npm install --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" \
  "typescript@$(locked typescript)" "@types/node@$(locked @types/node)" \
  "jest@$(locked jest)" "ts-jest@$(locked ts-jest)" "@types/jest@$(locked @types/jest)" \
  "supertest@$(locked supertest)" "@types/supertest@$(locked @types/supertest)" >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "npm install"; }
for addon in better-sqlite3 unix-dgram; do
  [ -d "node_modules/$addon" ] || continue
  built="$root/node_modules/$addon"
  if [ "${SC_CONSUMER_REBUILD:-}" != 1 ] && [ -d "$built/build/Release" ] &&
     [ "$(node -p "require('$built/package.json').version")" = "$(node -p "require('./node_modules/$addon/package.json').version")" ]; then
    mkdir -p "node_modules/$addon/build/Release"
    cp "$built"/build/Release/*.node "node_modules/$addon/build/Release/"
  else
    npm rebuild --loglevel=error "$addon" >>"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "npm rebuild $addon"; }
  fi
done
node -e "new (require('better-sqlite3'))(':memory:').prepare('SELECT 1').get()" || fail "better-sqlite3 does not load"
step "installed the tarball, typescript $(locked typescript), jest $(locked jest), ts-jest $(locked ts-jest)"

# --- 3. compile in both decorator modes ---------------------------------------------------------
cat >src/notes-app.ts <<'EOF'
import { SyncServerApp, authenticated, jsonBadRequest, route, ERROR_INVALID_WBO, type AppContext } from 'services-core';

/** Two routes: a public one and one behind Basic auth that reads a JSON body. */
export class NotesApp extends SyncServerApp {
  @route('GET', '/hello/:name')
  hello(ctx: AppContext) {
    return { hello: ctx.params.name };
  }

  @route('POST', '/:username/notes', { body: 'json' })
  @authenticated
  addNote(ctx: AppContext) {
    const body = ctx.request.body as { text?: unknown };
    if (typeof body?.text !== 'string') throw jsonBadRequest(ERROR_INVALID_WBO);
    return { user: ctx.state.user!.name, saved: body.text };
  }
}
EOF
cat >src/notes-app.test.ts <<'EOF'
import request from 'supertest';
import { createTestApp, serveApp } from 'services-core/testing';
import { NotesApp } from './notes-app';

test('the routes answer through createTestApp', async () => {
  const { app } = createTestApp(NotesApp, '[global]\nretry_after = 60\n', { dummyAuth: true });
  await request(app.callback()).get('/hello/jest').expect(200, { hello: 'jest' });
  await request(app.callback()).post('/bob/notes').auth('bob', 'pw').send({ text: 'hi' }).expect(200, { user: 'bob', saved: 'hi' });
  await request(app.callback()).post('/bob/notes').auth('bob', 'pw').send({}).expect(400);
  await app.close();
});

test('serveApp runs the compiled app under the installed serve', async () => {
  const served = await serveApp('legacy.ini', { workers: 1 });
  expect(await (await fetch(`${served.url}/hello/serve`)).json()).toEqual({ hello: 'serve' });
  expect(await served.stop()).toEqual({ code: 0, signal: null });
}, 60_000);
EOF
cat >tsconfig.legacy.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "node16", "moduleResolution": "node16", "strict": true,
    "experimentalDecorators": true, "emitDecoratorMetadata": true, "esModuleInterop": true,
    "types": ["node", "jest"], "outDir": "build-legacy", "rootDir": "src"
  },
  "include": ["src"]
}
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "strict": true,
    "esModuleInterop": true, "types": ["node", "jest"], "outDir": "build-standard", "rootDir": "src"
  },
  "include": ["src"]
}
EOF
npx tsc -p tsconfig.legacy.json || fail "tsc, experimentalDecorators"
npx tsc -p tsconfig.json || fail "tsc, standard decorators"
step "compiled with experimentalDecorators and with standard decorators"

# --- 4. serve each build with the installed bin ------------------------------------------------
cat >notes.conf <<'EOF'
[global]
retry_after = 60

[auth]
backend = sql
sqluri = sqlite:///users.db
EOF
printf 'consumer-password-1\n' >"$work/password"
port_file="$work/port"
for mode in legacy standard; do
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  cat >"$mode.ini" <<EOF
[app:main]
use = ./build-$mode/notes-app.js#NotesApp
configuration = file:%(here)s/notes.conf

[server:main]
host = 127.0.0.1
port = $port
workers = 1
EOF
  # The installed bin itself (not through npx, which would stand between it and the SIGTERM).
  if [ "$mode" = legacy ]; then node_modules/.bin/services-core users add "$mode.ini" alice <"$work/password" || fail "services-core users add"; fi
  node_modules/.bin/services-core serve "$mode.ini" >"$work/serve-$mode.log" 2>&1 &
  serve_pid=$!
  node - "$port" "$serve_pid" <<'EOF' || { cat "$work/serve-$mode.log"; fail "requests to the $mode build"; }
const [port, pid] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const auth = (user, pw) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
const expect = (what, got, want) => {
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
};
(async () => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try { if ((await fetch(`${base}/__lbheartbeat__`)).ok) break; } catch {}
    try { process.kill(Number(pid), 0); } catch { throw new Error('serve exited'); }
    if (Date.now() > deadline) throw new Error(`no answer from ${base}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  let res = await fetch(`${base}/hello/consumer`);
  expect('GET /hello/consumer', [res.status, await res.json()], [200, { hello: 'consumer' }]);
  const note = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'buy milk' }) };
  res = await fetch(`${base}/alice/notes`, { ...note, headers: { ...note.headers, ...auth('alice', 'consumer-password-1') } });
  expect('POST /alice/notes', [res.status, await res.json()], [200, { user: 'alice', saved: 'buy milk' }]);
  res = await fetch(`${base}/alice/notes`, { ...note, headers: { ...note.headers, ...auth('alice', 'wrong') } });
  expect('POST /alice/notes with a wrong password', res.status, 401);
})().catch((err) => { console.error(err.message); process.exit(1); });
EOF
  kill "$serve_pid"
  wait "$serve_pid" || fail "serve ($mode) did not exit 0 on SIGTERM: $(cat "$work/serve-$mode.log")"
  serve_pid=
  step "served the $mode build with services-core serve on port $port: 200, 200 with Basic auth, 401"
done

# --- 4b. drivers are optional peers: not installed here, each named by the pre-check ------------
for setting in 'sqluri = postgresql://u@127.0.0.1/db|npm i pg' 'sqluri = mysql://u@127.0.0.1/db|npm i mysql2' 'backend = ldap|npm i ldapjs'; do
  line=${setting%%|*}; want=${setting#*|}
  [ "$line" = 'backend = ldap' ] && auth=$'backend = ldap\nldapuri = ldap://127.0.0.1:1' || auth=$'backend = sql\n'"$line"
  printf '[auth]\n%s\n' "$auth" >driver.conf
  printf '[app:main]\nuse = ./build-legacy/notes-app.js#NotesApp\nconfiguration = file:%%(here)s/driver.conf\n' >driver.ini
  if node_modules/.bin/services-core config driver.ini >"$work/driver.log" 2>&1; then fail "config passed with auth.$line and no driver installed"; fi
  grep -q "$want" "$work/driver.log" || { cat "$work/driver.log"; fail "config did not name '$want' for auth.$line"; }
done
step "config names the npm i to run for PostgreSQL, MariaDB and LDAP, whose drivers are not installed"

# --- 5. the app's own jest test --------------------------------------------------------------
cat >jest.config.js <<'EOF'
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.legacy.json' }] },
};
EOF
npx jest --ci >"$work/jest.log" 2>&1 || { cat "$work/jest.log"; fail "jest"; }
step "jest + ts-jest ran the app's tests through services-core/testing (createTestApp, serveApp)"
echo "consumer: passed in $((SECONDS - started)) s"
