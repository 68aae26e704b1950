import request from 'supertest';
import { SyncServerApp, authenticated, route, type AppContext } from '../../src/app';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { addressKey, readThrottleSettings } from '../../src/auth/throttle/login-throttle';
import type { FlatConfig } from '../../src/config/types';
import { createTestApp } from '../../src/testing/test-app';

// IPv6 clients are counted per /64 (auth.throttle_ipv6_prefix), IPv4 clients per address
// (docs/auth-sql.md, Login throttling).

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

class App extends SyncServerApp {
  @route('GET', '/whoami')
  @authenticated
  whoami(ctx: AppContext) {
    return { id: ctx.state.user?.id };
  }
}

async function failFrom(config: FlatConfig, addresses: string[]): Promise<number[]> {
  const auth = new DummyAuth({ allow_dummy: true });
  const t = createTestApp(App, config, { auth });
  try {
    const statuses: number[] = [];
    for (const [i, address] of addresses.entries()) {
      const name = `user${i}`;
      await auth.createUser(name, `${name}-pw`, `${name}@example.com`);
      // Through the local proxy (loopback is trusted by default): the client is the last hop.
      const res = await request(t.app.callback()).get('/whoami').set('X-Forwarded-For', address).set('Authorization', basic(name, 'wrong'));
      statuses.push(res.status);
    }
    return statuses;
  } finally {
    await t.app.close();
  }
}

const sixty = (make: (i: number) => string) => Array.from({ length: 60 }, (_, i) => make(i));

describe('login throttling by network for IPv6', () => {
  test('60 failures from 60 addresses of one /64 through a trusted proxy: blocked after the address limit', async () => {
    const statuses = await failFrom({}, sixty((i) => `2001:db8:1:2:${(i + 1).toString(16)}:ab:cd:${i.toString(16)}`));
    expect(statuses.slice(0, 50)).toEqual(new Array(50).fill(401));
    expect(statuses.slice(50)).toEqual(new Array(10).fill(429));
  });

  test('auth.throttle_ipv6_prefix = 128 counts each address; IPv4 is always per address', async () => {
    expect(await failFrom({ 'auth.throttle_ipv6_prefix': 128 }, sixty((i) => `2001:db8:1:2::${(i + 1).toString(16)}`))).toEqual(new Array(60).fill(401));
    expect(await failFrom({}, sixty((i) => `198.51.100.${i + 1}`))).toEqual(new Array(60).fill(401));
  });

  test('addressKey: spellings of one /64 share a key, other networks do not', () => {
    const key = addressKey('2001:db8:1:2::1', 64);
    expect(key).toBe('2001:db8:1:2:0:0:0:0/64');
    for (const same of ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:a::', '2001:db8:1:2::1.2.3.4', '2001:db8:1:2::7%eth0']) {
      expect(addressKey(same, 64)).toBe(key);
    }
    expect(addressKey('2001:db8:1:3::1', 64)).not.toBe(key);
    expect(addressKey('2001:db8:1:2::1', 48)).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(addressKey('2001:db8:1:2::1', 56)).toBe(addressKey('2001:db8:1:ff::1', 56));
    expect(addressKey('::1', 128)).toBe('0:0:0:0:0:0:0:1/128');
    expect(addressKey('192.0.2.7', 64)).toBe('192.0.2.7');
    expect(addressKey('not:an::address::', 64)).toBe('not:an::address::');
  });

  test('the setting: default 64, 1 to 128 bits, read with the other throttle settings', () => {
    expect(readThrottleSettings({}).ipv6Prefix).toBe(64);
    expect(readThrottleSettings({ 'auth.throttle_ipv6_prefix': 56 }).ipv6Prefix).toBe(56);
    expect(() => readThrottleSettings({ 'auth.throttle_ipv6_prefix': 129 })).toThrow(/auth.throttle_ipv6_prefix: expected 1 to 128 bits, got 129/);
    expect(() => readThrottleSettings({ 'auth.throttle_ipv6_prefix': 0 })).toThrow(/auth.throttle_ipv6_prefix/);
  });
});
