import { SyncServerApp, authenticated, route } from '../../src/app';
import { readAppSettings } from '../../src/app/app-settings';
import { ClientIpResolver } from '../../src/app/request/client-ip';
import { compilePath } from '../../src/app/routing/route-path';
import { ConfigError } from '../../src/config/errors';
import { type LogRecord, createTestApp } from '../../src/testing/test-app';

describe('global.* settings', () => {
  test('defaults (docs/compatibility.md C.1)', () => {
    expect(readAppSettings({})).toMatchObject({
      retryAfter: 1800, heartbeatPath: '/__heartbeat__', debugPath: undefined, accessLog: false, profile: false,
      clientDebug: false, realm: 'Sync', gracefulShutdown: 1, hardShutdown: 10, maxBodySize: 1048576,
    });
  });

  test('switches come from top-level paste keys or global.*, typed or as text', () => {
    expect(readAppSettings({ debug: true }).accessLog).toBe(true);
    expect(readAppSettings({ 'global.translogger': 'on' }).accessLog).toBe(true);
    expect(readAppSettings({ client_debug: 'false', 'global.client_debug': false }).clientDebug).toBe(false);
  });

  test.each([
    [{ 'global.retry_after': 'soon' }, /global\.retry_after: expected a number of seconds, got "soon"/],
    [{ 'global.retry_after': 1.5 }, /global\.retry_after: expected whole seconds/],
    [{ 'global.heartbeat_page': 'a/b' }, /global\.heartbeat_page: expected a page name/],
    [{ debug: 'maybe' }, /debug: expected true or false, got "maybe"/],
    [{ 'global.profile': 'perhaps' }, /global\.profile: expected true or false/],
    [{ 'global.max_body_size': 0 }, /global\.max_body_size: expected a positive number of bytes/],
    [{ 'global.graceful_shutdown_interval': -1 }, /global\.graceful_shutdown_interval: expected a number of seconds/],
  ])('%j is a ConfigError naming the key', (config, message) => {
    expect(() => readAppSettings(config)).toThrow(ConfigError);
    expect(() => readAppSettings(config)).toThrow(message);
  });

  test('global.log_level is checked when the app builds its logger', () => {
    class Empty extends SyncServerApp {}
    expect(() => new Empty({ 'global.log_level': 'chatty' })).toThrow(
      /global\.log_level: unknown level 'chatty'/);
  });

  test('with CEF off the app warns at start when routes need CEF, and only then', () => {
    class Plain extends SyncServerApp {
      @route('GET', '/open')
      open() {}
    }
    class Guarded extends Plain {
      @route('GET', '/guarded')
      @authenticated
      guarded() {}
    }
    const warned = (logs: LogRecord[]) => logs.some((l) => l.level === 40 && /CEF logging is off/.test(l.msg));
    expect(warned(createTestApp(Guarded, { 'cef.use': false }, { dummyAuth: true }).logs)).toBe(true);
    expect(warned(createTestApp(Plain, { 'cef.use': false }).logs)).toBe(false);
    expect(warned(createTestApp(Guarded, {}, { dummyAuth: true }).logs)).toBe(false);
  });
});

describe('ClientIpResolver', () => {
  test.each(['10.0.0.0/33', 'not-an-ip', '10.0.0.1/8/1', '::1/abc'])('rejects %s with a ConfigError', (item) => {
    expect(() => new ClientIpResolver([item])).toThrow(`global.trusted_proxies: '${item}' is not an IP address or CIDR range`);
  });

  test('CIDR ranges match to their edges', () => {
    const resolver = new ClientIpResolver('10.0.0.0/8, 192.168.1.7, 172.16.5.9/12');
    expect(['10.0.0.0', '10.255.255.255', '192.168.1.7', '172.16.0.0', '172.31.255.255'].every((ip) => resolver.isTrusted(ip))).toBe(true);
    expect(['9.255.255.255', '11.0.0.0', '192.168.1.8', '172.32.0.0', '127.0.0.1', '::1'].some((ip) => resolver.isTrusted(ip))).toBe(false);
  });

  test('IPv4-mapped IPv6 peers count as IPv4; an empty list trusts nobody', () => {
    const resolver = new ClientIpResolver('127.0.0.1');
    expect(resolver.resolve('::ffff:127.0.0.1', '192.0.2.1')).toBe('192.0.2.1');
    expect(new ClientIpResolver([]).resolve('127.0.0.1', '192.0.2.1')).toBe('127.0.0.1');
    expect(new ClientIpResolver(['::1', '2001:db8::/32']).resolve('::1', '2001:db8::5, ::1')).toBe('2001:db8::5');
  });
});

describe('compilePath', () => {
  test('legacy placeholders become :params with anchored constraints', () => {
    const compiled = compilePath('/{api:1.0|1.1}/{user}/x/{id:\\d{2,3}}');
    expect(compiled.path).toBe('/:api/:user/x/:id');
    expect(compiled.constraints.map(([name, re]) => [name, re.source])).toEqual([['api', '^(?:1.0|1.1)$'], ['id', '^(?:\\d{2,3})$']]);
  });

  test('an optional group serves the path with and without it', () => {
    const compiled = compilePath('/users{/:id}');
    expect(compiled.path).toBe('/users{/:id}');
    expect(compiled.shapes).toEqual(['/users/:', '/users']);
    expect(compilePath('/a{/b{/:c}}').shapes).toEqual(['/a/b/:', '/a/b', '/a']);
  });

  test('the same route with other param names, or static text in another case, has the same shape', () => {
    expect(compilePath('/a/:x/{y}').shapes).toEqual(compilePath('/a/{p}/:q').shapes);
    expect(compilePath('/Links/:x').shapes).toEqual(compilePath('/links/:y').shapes);
    expect(compilePath('/a/{x:1}').shapes).not.toEqual(compilePath('/a/{x:2}').shapes);
  });

  test('segments: static text, whole-segment params with their constraint, a last *rest', () => {
    const [segments] = compilePath('/files/{id:\\d+}/:name/*rest').variants;
    expect(segments.map((s) => [s.kind, s.kind === 'static' ? s.text : s.name])).toEqual([['static', 'files'], ['param', 'id'], ['param', 'name'], ['rest', 'rest']]);
    expect(segments[1].kind === 'param' && segments[1].constraint?.source).toBe('^(?:\\d+)$');
    expect(compilePath('/').variants).toEqual([[]]);
    expect(compilePath('/a/').shapes).toEqual(['/a']);
  });

  test.each([
    ['/{x:[a-z]', /unclosed/], ['/{x:(}', /bad regex for 'x'/], ['/a{/b', /unclosed '\{'/], ['/a}', /unmatched '\}'/],
    ['/file.:ext', /a parameter takes a whole segment/], ['/*rest/more', /'\*name' only the last/], ['/a{/b}{/c}{/d}{/e}{/f}', /more than 4 optional groups/],
  ])('%s is a SyntaxError', (source, message) => {
    expect(() => compilePath(source)).toThrow(message);
  });
});
