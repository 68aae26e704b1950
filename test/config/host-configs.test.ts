import { Config, hostConfigs } from '../../src/config';

describe('host sections (docs/compatibility.md A.11, C.10, Q-C8)', () => {
  test('[host:<name>] options flatten to host:<name>.<section>.<option>, port included', () => {
    const c = Config.parse('[storage]\nsqluri = mysql://localhost/sync\n\n[host:node0]\nstorage.sqluri = mysql://sync:sync@db1.example.com/sync\n' +
      '[host:localhost:5000]\nstorage.sqluri = sqlite://\n');
    expect(c.getMap()).toStrictEqual({
      'storage.sqluri': 'mysql://localhost/sync',
      'host:node0.storage.sqluri': 'mysql://sync:sync@db1.example.com/sync',
      'host:localhost:5000.storage.sqluri': 'sqlite://',
    });
  });

  test('the legacy vector: one.two is 1 for Host "here" and stays 2 in the base', () => {
    const flat = { 'host:here.one.two': 1, 'one.two': 2, 'auth.backend': 'dummy' };
    const hosts = hostConfigs(flat);
    expect([...hosts.keys()]).toEqual(['here']);
    expect(hosts.get('here')).toStrictEqual({ 'one.two': 1, 'auth.backend': 'dummy' });
    expect(flat['one.two']).toBe(2);
  });

  test('host value wins, own host: keys are stripped, other hosts keys stay', () => {
    const hosts = hostConfigs({ 'host:a.s.x': 'a', 's.x': 'base', 'host:b.s.x': 'b', 'host:a.s.new': 1 });
    expect(hosts.get('a')).toStrictEqual({ 's.x': 'a', 'host:b.s.x': 'b', 's.new': 1 });
    expect(hosts.get('b')).toStrictEqual({ 'host:a.s.x': 'a', 's.x': 'b', 'host:a.s.new': 1 });
  });

  test('host names with dots and ports: split before a section of the base config', () => {
    const hosts = hostConfigs({
      'storage.sqluri': 'base', 'cef.syslog.facility': 'USER',
      'host:127.0.0.1.storage.sqluri': 'ip',
      'host:sync1.example.com:8000.storage.sqluri': 'fqdn',
      'host:h.cef.syslog.facility': 'LOCAL0',
      'host:127.0.0.1.extra.opt': 'same host, new section',
      'host:x.y.newsection.opt': 'unknown section: before the last section.option',
    });
    expect([...hosts.keys()].sort()).toEqual(['127.0.0.1', 'h', 'sync1.example.com:8000', 'x.y']);
    expect(hosts.get('127.0.0.1')).toMatchObject({ 'storage.sqluri': 'ip', 'extra.opt': 'same host, new section' });
    expect(hosts.get('sync1.example.com:8000')).toMatchObject({ 'storage.sqluri': 'fqdn' });
    expect(hosts.get('h')).toMatchObject({ 'cef.syslog.facility': 'LOCAL0', 'storage.sqluri': 'base' });
    expect(hosts.get('x.y')).toMatchObject({ 'newsection.opt': 'unknown section: before the last section.option' });
  });

  test('no host: keys gives an empty map; a key with no option part names no host', () => {
    expect(hostConfigs({ 'a.b': 1 }).size).toBe(0);
    expect(hostConfigs({ 'host:lonely': 1, 'a.b': 1 }).size).toBe(0);
    expect(hostConfigs({ 'host:h.opt': 1, opt: 0 }).get('h')).toStrictEqual({ opt: 1 });
  });
});
