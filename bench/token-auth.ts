/**
 * CPU per request of one `@authenticated` route (`auth.scheme = basic bearer hawk`) answered
 * for a cached Basic hit (the login cache), a cached bearer hit (the token cache; EdDSA and
 * RS256 tokens) and a Hawk request (a fresh signature and nonce each: no cache can answer it),
 * all in ONE process: small batches alternate between the cases, so each sees the same load
 * on a busy shared machine. The load generator is a raw socket pipelining keep-alive requests
 * (bench/support/pipelined-batch.ts; wrk cannot sign Hawk requests); the Hawk headers of a batch
 * are signed before it is timed. Prints medians in CPU µs per request and the ratios to Basic.
 *
 *   npx ts-node --transpile-only bench/token-auth.ts [--rounds 10] [--requests 2000]
 *
 * Figures (2-core machine shared with other builds, load average ~30, node 20.20,
 * --rounds 7 --requests 1500), median CPU µs/request (server + client) and ratio to Basic:
 *   basic 40.6 (1.000), bearer EdDSA 38.5 (0.948), bearer RS256 34.5 (0.850), hawk 59.8 (1.471).
 * A cached bearer hit costs no more than a cached Basic hit; a Hawk request needs a fresh MAC
 * (the hawk package's authenticate alone is ~7 µs) and a nonce claim, and is above the 1.2× goal.
 */
import type { Server } from 'node:http';
import { type KeyLike, SignJWT, exportJWK, generateKeyPair } from 'jose';
import * as Hawk from 'hawk';
import pino from 'pino';
import { SyncServerApp, authenticated, route, type AppContext, type HawkCredentials } from '../src';
import { median, numberOption as option } from './support/bench-args';
import { pipelinedBatch } from './support/pipelined-batch';

const CEF = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };
const CREDENTIALS: HawkCredentials & { id: string } = { id: 'bench-client', key: 'werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn', algorithm: 'sha256', user: 'alice' };

class BenchApp extends SyncServerApp {
  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user!.name };
  }

  protected override async hawkCredentials(id: string): Promise<HawkCredentials | null> {
    return id === CREDENTIALS.id ? CREDENTIALS : null;
  }
}

const request = (authorization: string) => `GET /alice/info HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\n\r\n`;

async function main(): Promise<void> {
  const rounds = option('rounds', 10);
  const n = option('requests', 2000);
  // A JWKS with both keys, served by the app itself is not needed: a PEM per algorithm would
  // need two apps, so the bench serves the JWKS from a tiny server of its own.
  const { createServer } = await import('node:http');
  const keys: Record<string, { privateKey: KeyLike; kid: string }> = {};
  const jwks = { keys: [] as object[] };
  for (const alg of ['EdDSA', 'RS256'] as const) {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    keys[alg] = { privateKey, kid: alg };
    jwks.keys.push({ ...(await exportJWK(publicKey)), kid: alg, alg });
  }
  const jwksServer = createServer((_req, res) => res.end(JSON.stringify(jwks))).listen(0, '127.0.0.1');
  await new Promise((resolve) => jwksServer.once('listening', resolve));
  const jwksPort = (jwksServer.address() as { port: number }).port;

  const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
  const app = new BenchApp({
    ...CEF, 'auth.backend': 'dummy', 'auth.allow_dummy': true, 'auth.scheme': 'basic bearer hawk',
    'auth.bearer_issuer': 'https://issuer.bench', 'auth.bearer_audience': 'bench', 'auth.bearer_jwks_url': `http://127.0.0.1:${jwksPort}/jwks`,
    'auth.throttle_ip_limit': 1_000_000,
  }, { logger });
  await app.auth!.createUser('alice', 'alice-password', 'alice@example.com');
  const server: Server = await app.listen(0, '127.0.0.1');
  const port = (server.address() as { port: number }).port;

  const token = (alg: 'EdDSA' | 'RS256') => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg, kid: keys[alg].kid })
    .setIssuer('https://issuer.bench').setAudience('bench').setExpirationTime('1h').sign(keys[alg].privateKey);
  const fixed = {
    basic: new Array<string>(n).fill(request(`Basic ${Buffer.from('alice:alice-password').toString('base64')}`)),
    'bearer EdDSA': new Array<string>(n).fill(request(`Bearer ${await token('EdDSA')}`)),
    'bearer RS256': new Array<string>(n).fill(request(`Bearer ${await token('RS256')}`)),
  };
  const hawk = () => Array.from({ length: n }, () =>
    request(Hawk.client.header(`http://127.0.0.1/alice/info`, 'GET', { credentials: CREDENTIALS }).header));
  const cases = [...Object.keys(fixed), 'hawk'] as Array<keyof typeof fixed | 'hawk'>;
  const run = (name: (typeof cases)[number]) => pipelinedBatch(port, name === 'hawk' ? hawk() : fixed[name]);
  for (const name of cases) await run(name); // warm-up, and fills the caches
  const results = Object.fromEntries(cases.map((name) => [name, [] as number[]])) as Record<(typeof cases)[number], number[]>;
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? [...cases].reverse() : cases;
    for (const name of order) {
      // The Hawk headers are signed outside the timed part.
      const requests = name === 'hawk' ? hawk() : fixed[name];
      results[name].push(await pipelinedBatch(port, requests));
    }
  }
  console.log(`${rounds} alternating rounds of ${n} pipelined requests, one process (server + raw client CPU), node ${process.version}`);
  const basic = median(results.basic);
  for (const name of cases) {
    const m = median(results[name]);
    const perRound = median(results[name].map((x, i) => x / results.basic[i]));
    console.log(`${name.padEnd(14)} ${m.toFixed(2).padStart(8)} µs/req   ratio to Basic ${(m / basic).toFixed(3)} (median of per-round ratios ${perRound.toFixed(3)})`);
  }
  await app.close();
  jwksServer.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
