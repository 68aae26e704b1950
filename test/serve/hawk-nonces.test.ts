import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Hawk from 'hawk';
import { listeningPort, startServe, stopGracefully, type ServeProcess } from '../e2e/fixtures/serve-process';
import { compiledSources, transpile } from '../support/compiled-src';

// Under `services-core serve` the Hawk nonces are kept by the primary (auth.hawk_nonce_store
// defaults to `cluster`), so a request replayed to another worker is refused as well. `serve`
// runs from JavaScript (src/ transpiled once), so two workers start without ts-node.

const CLIENT = { id: 'serve-client', key: 'a8qwe0b4nrpaxn39848xrunpaw3489ruxnpa98w4rxn', algorithm: 'sha256' as const, user: 'alice' };

let dist: string;
beforeAll(() => {
  dist = compiledSources();
}, 120_000);
afterAll(() => rmSync(dist, { recursive: true, force: true }));

/** The app: every answer says which worker gave it. */
function appModule(): string {
  return transpile(`
    import { SyncServerApp, authenticated, route } from ${JSON.stringify(dist)};
    const CLIENT = ${JSON.stringify(CLIENT)};
    export class HawkServeApp extends SyncServerApp {
      @route('GET', '/:username/info')
      @authenticated
      info(ctx) { return { user: ctx.state.user.name }; }
      onResponse(ctx) { ctx.set('X-Worker', String(process.pid)); }
      async hawkCredentials(id) { return id === CLIENT.id ? CLIENT : null; }
    }
  `, 'hawk-app.ts');
}

/** One request on a new connection (so consecutive ones go to the workers in turn). */
function get(port: number, authorization: string): Promise<{ status: number; worker: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/alice/info', agent: false, headers: { Authorization: authorization } }, (res) => {
      res.resume().on('end', () => done({ status: res.statusCode ?? 0, worker: String(res.headers['x-worker']) }));
    });
    req.on('error', fail).end();
  });
}

describe('hawk nonces under serve', () => {
  let serve: ServeProcess | undefined;
  afterEach(async () => {
    if (serve) await stopGracefully(serve);
    serve = undefined;
  });

  test('a request replayed to another worker is refused: the workers share the nonces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-hawk-serve-'));
    writeFileSync(join(dir, 'hawk-app.js'), appModule());
    writeFileSync(join(dir, 'app.conf'), '[auth]\nscheme = hawk\n\n[cef]\nuse = false\n');
    writeFileSync(join(dir, 'deployment.ini'), '[server:main]\nhost = 127.0.0.1\nport = 0\nworkers = 2\n\n' +
      '[app:main]\nuse = ./hawk-app.js#HawkServeApp\nconfiguration = file:%(here)s/app.conf\n');
    serve = startServe([join(dir, 'deployment.ini')], { bin: join(dist, 'cli/main.js') });
    const port = await listeningPort(serve);
    const sign = () => Hawk.client.header(`http://127.0.0.1:${port}/alice/info`, 'GET', { credentials: CLIENT }).header;
    // Both workers answer fresh requests.
    const workers = new Set<string>();
    for (let i = 0; i < 20 && workers.size < 2; i++) {
      const fresh = await get(port, sign());
      expect(fresh.status).toBe(200);
      workers.add(fresh.worker);
    }
    expect(workers.size).toBe(2);
    const header = sign();
    const first = await get(port, header);
    expect(first.status).toBe(200);
    // The replay, until another worker has answered it: refused there too.
    const replays: Array<{ status: number; worker: string }> = [];
    while (replays.length < 20 && !replays.some((r) => r.worker !== first.worker)) replays.push(await get(port, header));
    expect(replays.map((r) => r.status)).toEqual(replays.map(() => 401));
    expect(replays.some((r) => r.worker !== first.worker)).toBe(true);
  }, 200_000);
});
