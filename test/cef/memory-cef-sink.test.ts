import { CefLogger } from '../../src/cef';
import { MemoryCefSink } from '../../src/testing/memory-cef-sink';

const config = { 'cef.version': 0, 'cef.vendor': 'mozilla', 'cef.device_version': '3', 'cef.product': 'weave' };

function logged() {
  const sink = new MemoryCefSink();
  const logger = new CefLogger(config, { sink, warn: () => undefined });
  logger.log('Invalid password', 7, { REMOTE_ADDR: '10.0.0.1' }, { username: 'bob', signature: 'AuthFail', attempts: 3 });
  logger.log('Account locked', 9, {}, { username: 'alice' });
  return sink;
}

test('records each line and event', () => {
  const sink = logged();
  expect(sink.description).toBe('memory');
  expect(sink.lines).toHaveLength(2);
  expect(sink.lines[0]).toMatch(/\|AuthFail\|Invalid password\|7\|.* suser=bob attempts=3$/);
  expect(sink.events.map((e) => e.name)).toEqual(['Invalid password', 'Account locked']);
});

test('assertLogged matches on any subset of fields and returns the matches', () => {
  const sink = logged();
  expect(sink.assertLogged({ signature: 'AuthFail', suser: 'bob', extensions: { src: '10.0.0.1', attempts: 3 } })).toHaveLength(1);
  expect(sink.assertLogged({})).toHaveLength(2);
  expect(sink.assertLogged({ name: 'Account locked', severity: 9 })[0].suser).toBe('alice');
});

test('assertLogged without a match throws a readable list of what was logged', () => {
  const sink = logged();
  expect(() => sink.assertLogged({ name: 'Invalid password', severity: 8 })).toThrow(
    /^expected a CEF event matching \{ name: 'Invalid password', severity: 8 \}; logged:\n {2}\{\n?.*name: 'Invalid password'/s,
  );
  expect(() => sink.assertLogged({ extensions: { attempts: 4 } })).toThrow(/attempts: '3'/);
  expect(() => new MemoryCefSink().assertLogged({ name: 'x' })).toThrow("expected a CEF event matching { name: 'x' }; nothing was logged");
});

test('assertNotLogged throws listing the offending events', () => {
  const sink = logged();
  expect(() => sink.assertNotLogged({ suser: 'mallory' })).not.toThrow();
  expect(() => sink.assertNotLogged({ suser: 'alice' })).toThrow(/^expected no CEF event matching \{ suser: 'alice' \}; found:\n.*Account locked/s);
});

test('clear() forgets everything', async () => {
  const sink = logged();
  sink.clear();
  expect(sink.lines).toEqual([]);
  expect(sink.events).toEqual([]);
  expect(() => sink.assertLogged({})).toThrow('nothing was logged');
  await expect(sink.flush()).resolves.toBeUndefined();
  await expect(sink.close()).resolves.toBeUndefined();
});
