import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JWK, type KeyLike, SignJWT, exportJWK, exportSPKI, generateKeyPair, importJWK } from 'jose';
import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import { CEF_INSUFFICIENT_SCOPE, CEF_INVALID_BEARER } from '../../src/app/authentication/token-authentication';
import { CEF_URL_MISMATCH } from '../../src/app/authentication/basic-authentication';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { loadConfigFile } from '../../src/config';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';
import { JwksServer } from '../support/jwks-server';

const ISSUER = 'https://accounts.example.test';
const AUDIENCE = 'notes';

class TokenApp extends SyncServerApp {
  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user!.name, scheme: ctx.state.user!.scheme ?? 'basic' };
  }

  @route('POST', '/notes', { body: 'json' })
  @authenticated({ scheme: 'bearer', scopes: ['notes:write'] })
  write(ctx: AppContext) {
    return { by: ctx.state.user!.name };
  }

  @route('GET', '/whoami')
  @authenticated({ scheme: 'bearer' })
  whoami(ctx: AppContext) {
    return { user: ctx.state.user!.name };
  }
}

interface Signer { kid: string; alg: string; privateKey: KeyLike; jwk: JWK }

async function signer(alg: 'EdDSA' | 'RS256' | 'ES256', kid: string): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function token(key: Signer | Uint8Array, claims: Record<string, unknown> = {}, options: { exp?: number | string; nbf?: number | string; iss?: string; aud?: string; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader(key instanceof Uint8Array ? { alg: options.alg ?? 'HS256' } : { alg: key.alg, kid: key.kid })
    .setIssuer(options.iss ?? ISSUER).setAudience(options.aud ?? AUDIENCE).setIssuedAt()
    .setExpirationTime(options.exp ?? '10m');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key instanceof Uint8Array ? key : key.privateKey);
}

const bearer = (t: string) => `Bearer ${t}`;
const now = () => Math.floor(Date.now() / 1000);

describe('bearer scheme with a JWKS URL', () => {
  const jwks = new JwksServer();
  let ed: Signer;
  let rs: Signer;
  beforeAll(async () => {
    ed = await signer('EdDSA', 'ed-1');
    rs = await signer('RS256', 'rs-1');
    jwks.keys = { keys: [ed.jwk, rs.jwk] };
    await jwks.start();
  });
  afterAll(() => jwks.stop());

  const config = (more: FlatConfig = {}): FlatConfig => ({
    'auth.scheme': 'bearer', 'auth.bearer_issuer': ISSUER, 'auth.bearer_audience': AUDIENCE,
    'auth.bearer_jwks_url': jwks.url, 'auth.bearer_clock_skew': 30, ...more,
  });

  test('EdDSA and RS256 tokens log in as their sub; no credentials is a 401 with the Bearer challenge', async () => {
    const { app, cef } = createTestApp(TokenApp, config());
    try {
      const server = app.callback();
      for (const key of [ed, rs]) {
        const res = await request(server).get('/alice/info').set('Authorization', bearer(await token(key))).expect(200);
        expect(res.body).toEqual({ user: 'alice', scheme: 'bearer' });
      }
      // The scheme word in any case (RFC 7235).
      await request(server).get('/alice/info').set('Authorization', `bEARER ${await token(ed)}`).expect(200);
      const none = await request(server).get('/alice/info').expect(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="Sync"');
      expect(cef.events).toEqual([]);
    } finally {
      await app.close();
    }
  });

  test('RFC 6750 errors: expired, wrong issuer, wrong audience, not yet valid, alg none, HMAC with a public key; each a CEF event without the token', async () => {
    const { app, cef, logs } = createTestApp(TokenApp, config());
    try {
      const server = app.callback();
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })).toString('base64url')}.`;
      const cases: Array<[string, string]> = [
        [await token(ed, {}, { exp: now() - 120 }), 'expired'],
        [await token(ed, {}, { iss: 'https://evil.example.test' }), 'from another issuer'],
        [await token(ed, {}, { aud: 'other' }), 'for another audience'],
        [await token(ed, {}, { nbf: now() + 600 }), 'not valid yet'],
        [unsigned, 'signed with an algorithm not allowed'],
        [await token(new TextEncoder().encode('x'.repeat(32))), 'signed with an algorithm not allowed'],
      ];
      for (const [jwt, reason] of cases) {
        const res = await request(server).get('/alice/info').set('Authorization', bearer(jwt)).expect(401);
        expect(res.headers['www-authenticate']).toBe(`Bearer realm="Sync", error="invalid_token", error_description="The access token is ${reason}"`);
        expect(res.text).not.toContain(jwt);
      }
      const events = cef.events.filter((e) => e.name === CEF_INVALID_BEARER);
      expect(events.map((e) => e.extensions.reason)).toEqual(cases.map(([, reason]) => reason));
      // The subject is named once the signature passed (expired, issuer, audience, nbf), never before.
      expect(events.map((e) => e.suser)).toEqual(['alice', 'alice', 'alice', 'alice', 'none', 'none']);
      const written = [...cef.lines, ...logs.map((l) => JSON.stringify(l))].join('\n');
      for (const [jwt] of cases) expect(written).not.toContain(jwt.split('.')[2] || jwt);
    } finally {
      await app.close();
    }
  });

  test('within the clock skew an expired token still passes; a malformed or oversized one is a 400 invalid_request', async () => {
    const { app } = createTestApp(TokenApp, config({ 'auth.bearer_max_length': 2000 }));
    try {
      const server = app.callback();
      await request(server).get('/alice/info').set('Authorization', bearer(await token(ed, {}, { exp: now() - 10 }))).expect(200);
      const bad = await request(server).get('/alice/info').set('Authorization', 'Bearer a"b').expect(400);
      expect(bad.headers['www-authenticate']).toContain('error="invalid_request"');
      const long = await request(server).get('/alice/info').set('Authorization', bearer('a'.repeat(2001))).expect(400);
      expect(long.headers['www-authenticate']).toContain('error="invalid_request"');
    } finally {
      await app.close();
    }
  });

  test('the URL user must be the token\'s; a route\'s scopes must all be in the token (403 insufficient_scope)', async () => {
    const { app, cef } = createTestApp(TokenApp, config());
    try {
      const server = app.callback();
      await request(server).get('/bob/info').set('Authorization', bearer(await token(ed))).expect(401);
      cef.assertLogged({ name: CEF_URL_MISMATCH, severity: 7 });
      const read = await request(server).post('/notes').send({}).set('Authorization', bearer(await token(ed, { scope: 'notes:read' }))).expect(403);
      expect(read.headers['www-authenticate']).toBe('Bearer realm="Sync", error="insufficient_scope", scope="notes:write"');
      cef.assertLogged({ name: CEF_INSUFFICIENT_SCOPE, suser: 'alice' });
      const write = await request(server).post('/notes').send({}).set('Authorization', bearer(await token(ed, { scope: 'notes:read notes:write' }))).expect(200);
      expect(write.body).toEqual({ by: 'alice' });
      await request(server).post('/notes').send({}).set('Authorization', bearer(await token(ed, { scp: ['notes:write'] }))).expect(200);
    } finally {
      await app.close();
    }
  });

  test('a new kid fetches the JWKS again, at most once per interval; through an outage the known keys keep working; after it the new key does', async () => {
    const { app, logs } = createTestApp(TokenApp, config({ 'auth.bearer_jwks_refresh': 3600 }));
    const rotated = await signer('EdDSA', 'ed-2');
    const later = await signer('EdDSA', 'ed-3');
    try {
      const server = app.callback();
      await request(server).get('/alice/info').set('Authorization', bearer(await token(ed))).expect(200);
      const fetchedAtStart = jwks.fetches;
      jwks.keys = { keys: [ed.jwk, rs.jwk, rotated.jwk] };
      await request(server).get('/alice/info').set('Authorization', bearer(await token(rotated))).expect(200);
      expect(jwks.fetches).toBe(fetchedAtStart + 1);
      // Within the interval, another unknown kid does not fetch again.
      jwks.keys = { keys: [ed.jwk, rs.jwk, rotated.jwk, later.jwk] };
      const refused = await request(server).get('/alice/info').set('Authorization', bearer(await token(later))).expect(401);
      expect(refused.headers['www-authenticate']).toContain('signed with an unknown key');
      expect(jwks.fetches).toBe(fetchedAtStart + 1);
    } finally {
      await app.close();
    }

    // Refresh allowed at once: the outage is noticed, the cached set serves, the restart is picked up.
    const second = createTestApp(TokenApp, config({ 'auth.bearer_jwks_refresh': 0 }));
    try {
      const server = second.app.callback();
      await request(server).get('/alice/info').set('Authorization', bearer(await token(ed))).expect(200);
      await jwks.stop();
      const newest = await signer('ES256', 'es-1');
      await request(server).get('/alice/info').set('Authorization', bearer(await token(rs))).expect(200);
      await request(server).get('/alice/info').set('Authorization', bearer(await token(newest))).expect(401);
      expect(second.logs.some((l) => l.level === 40 && /bearer: .*serving the keys fetched before/.test(l.msg))).toBe(true);
      jwks.keys = { keys: [ed.jwk, newest.jwk] };
      await jwks.start();
      await request(server).get('/alice/info').set('Authorization', bearer(await token(newest))).expect(200);
    } finally {
      await second.app.close();
    }
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  test('a JWKS that cannot be fetched at start stops the start, naming the scheme', async () => {
    const { app } = createTestApp(TokenApp, config({ 'auth.bearer_jwks_url': 'http://127.0.0.1:9/none.json', 'auth.bearer_jwks_timeout': 2 }));
    await expect(app.start()).rejects.toThrow(/TokenApp\.listen: the bearer scheme cannot start: .*upstream unreachable|answered 50/);
  });

  test('failures are throttled per address: past the limit a 429, even for a valid token', async () => {
    const { app } = createTestApp(TokenApp, config({ 'auth.throttle_ip_limit': 3, 'auth.throttle_ip_block': 60 }));
    try {
      const server = app.callback();
      const bad = await token(ed, {}, { aud: 'other' });
      for (let i = 0; i < 3; i++) await request(server).get('/alice/info').set('Authorization', bearer(bad)).expect(401);
      const res = await request(server).get('/alice/info').set('Authorization', bearer(await token(ed))).expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  test('failures with a proven subject are throttled per subject, from any address', async () => {
    const { app } = createTestApp(TokenApp, config({ 'auth.throttle_user_limit': 2, 'auth.throttle_user_block': 60, 'global.trusted_proxies': '127.0.0.1 ::1 ::ffff:127.0.0.1' }));
    try {
      const server = app.callback();
      const expired = await token(ed, {}, { exp: now() - 600 });
      for (const from of ['192.0.2.1', '192.0.2.2']) {
        await request(server).get('/alice/info').set('X-Forwarded-For', from).set('Authorization', bearer(expired)).expect(401);
      }
      await request(server).get('/alice/info').set('X-Forwarded-For', '192.0.2.3').set('Authorization', bearer(await token(ed))).expect(429);
      const other = await token(ed, { sub: 'carol' });
      await request(server).get('/carol/info').set('X-Forwarded-For', '192.0.2.3').set('Authorization', bearer(other)).expect(200);
    } finally {
      await app.close();
    }
  });

  test('auth outcomes are in the metrics', async () => {
    const { app } = createTestApp(TokenApp, config({ 'metrics.enabled': true }));
    try {
      const server = app.callback();
      await request(server).get('/alice/info').set('Authorization', bearer(await token(ed))).expect(200);
      await request(server).get('/alice/info').set('Authorization', bearer(await token(ed, {}, { aud: 'x' }))).expect(401);
      const text = (await app.metrics!.scrape()).body;
      expect(text).toMatch(/auth_outcomes_total\{outcome="success"\} 1/);
      expect(text).toMatch(/auth_outcomes_total\{outcome="failure"\} 1/);
    } finally {
      await app.close();
    }
  });
});

describe('bearer scheme with a PEM key or a shared secret, beside Basic', () => {
  test('a PEM public key file; auth.scheme = bearer basic takes both and challenges with both', async () => {
    const rs = await signer('RS256', 'pem');
    const dir = mkdtempSync(join(tmpdir(), 'sc-bearer-'));
    const pem = await exportSPKI(await importJWK(rs.jwk, 'RS256') as KeyLike);
    writeFileSync(join(dir, 'issuer.pem'), pem);
    const auth = new DummyAuth({ allow_dummy: true });
    await auth.createUser('bob', 'bob-password', 'bob@example.com');
    const { app } = createTestApp(TokenApp, {
      'auth.scheme': 'bearer basic', 'auth.bearer_issuer': ISSUER, 'auth.bearer_audience': AUDIENCE,
      'auth.bearer_key_file': join(dir, 'issuer.pem'), 'auth.bearer_algorithms': 'RS256',
    }, { auth });
    try {
      const server = app.callback();
      const none = await request(server).get('/alice/info').expect(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="Sync", Basic realm="Sync"');
      await request(server).get('/alice/info').set('Authorization', bearer(await token(rs))).expect(200);
      const basic = await request(server).get('/bob/info').auth('bob', 'bob-password').expect(200);
      expect(basic.body).toEqual({ user: 'bob', scheme: 'basic' });
      // A route that takes bearer alone refuses Basic credentials with its own challenge.
      const refused = await request(server).get('/whoami').auth('bob', 'bob-password').expect(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="Sync"');
    } finally {
      await app.close();
    }
  });

  test('a shared secret (HS256); with user lookup an unknown user is refused with the backend-failure event', async () => {
    const secret = new TextEncoder().encode('s'.repeat(40));
    const auth = new DummyAuth({ allow_dummy: true });
    await auth.createUser('alice', 'alice-password', 'alice@example.com');
    const { app, cef } = createTestApp(TokenApp, {
      'auth.bearer_issuer': ISSUER, 'auth.bearer_audience': AUDIENCE, 'auth.bearer_secret': 's'.repeat(40), 'auth.bearer_user_lookup': true,
    }, { auth });
    try {
      const server = app.callback();
      // The app's default stays Basic; the route names bearer.
      await request(server).get('/whoami').set('Authorization', bearer(await token(secret))).expect(200);
      await request(server).get('/whoami').set('Authorization', bearer(await token(secret, { sub: 'mallory' }))).expect(401);
      cef.assertLogged({ name: 'Authentication Failed for Backend service mallory', suser: 'mallory' });
      const res = await request(server).get('/alice/info').set('Authorization', bearer(await token(secret))).expect(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="Sync"');
    } finally {
      await app.close();
    }
  });
});

describe('bearer configuration and route misuse', () => {
  test('each bad key is a one-line ConfigError naming file, line and key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-bearer-conf-'));
    const cases: Array<[string[], RegExp]> = [
      [['scheme = bearer', 'bearer_audience = notes', 'bearer_secret = ' + 's'.repeat(40)], /app\.conf:\d+: auth\.bearer_issuer is required|app\.conf: auth\.bearer_issuer is required/],
      [['scheme = bearer', 'bearer_issuer = x', 'bearer_audience = notes', 'bearer_secret = short'], /app\.conf:5: auth\.bearer_secret: at least 32 bytes/],
      [['scheme = bearer tokens'], /app\.conf:2: auth\.scheme: unknown scheme "tokens"/],
      [['bearer_issuer = x', 'bearer_audience = y', 'bearer_secret = ' + 's'.repeat(40), 'bearer_algorithms = none'], /app\.conf:5: auth\.bearer_algorithms: "none" is not allowed/],
      [['bearer_issuer = x', 'bearer_audience = y', 'bearer_jwks_url = http://127.0.0.1/j', 'bearer_algorithms = HS256'], /app\.conf:5: auth\.bearer_algorithms: "HS256" is not allowed with public keys/],
      [['bearer_issuer = x', 'bearer_audience = y', 'bearer_jwks_url = http://127.0.0.1/j', 'bearer_clock_skew = soon'], /app\.conf:5: auth\.bearer_clock_skew: expected a number of seconds/],
      [['bearer_issuer = x', 'bearer_audience = y', 'bearer_key_file = missing.pem'], /app\.conf:4: auth\.bearer_key_file: cannot read missing\.pem: ENOENT/],
    ];
    for (const [lines, expected] of cases) {
      const file = join(dir, 'app.conf');
      writeFileSync(file, ['[auth]', ...lines, ''].join('\n'));
      let message = '';
      try {
        new TokenApp(loadConfigFile(file), { baseDir: dir });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(expected);
      expect(message).not.toContain('\n');
      expect(message).not.toContain('s'.repeat(40));
    }
  });

  test('a route naming an unconfigured or unknown scheme, or scopes on Basic, fails at construction naming Class.method', () => {
    class Misused extends SyncServerApp {
      @route('GET', '/a')
      @authenticated({ scheme: 'bearer' })
      a() { return 'a'; }

      @route('GET', '/b')
      @authenticated({ scheme: 'tokens' })
      b() { return 'b'; }

      @route('GET', '/c')
      @authenticated({ scopes: ['x'] })
      c() { return 'c'; }
    }
    expect(() => new Misused({}, { auth: new DummyAuth({ allow_dummy: true }) })).toThrow(
      /Misused\.a: @authenticated scheme 'bearer' is not configured[^\n]*\n\s+Misused\.b: @authenticated scheme "tokens" is unknown[^\n]*\n\s+Misused\.c: @authenticated scopes need the bearer or hawk scheme/);
  });
});
