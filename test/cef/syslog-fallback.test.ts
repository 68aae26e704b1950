import { runTs } from './run-ts';

// Which local syslog transport is used when the optional unix-dgram package cannot load.
// The package is made unloadable with a module mock; `logger` is made unfindable with PATH
// in a child process.

const config = {
  'cef.version': 0,
  'cef.vendor': 'mozilla',
  'cef.device_version': '3',
  'cef.product': 'weave',
  'cef.file': 'syslog',
  'cef.syslog.socket': '/nonexistent/log',
};

function loadWithoutUnixDgram(): typeof import('../../src/cef') {
  let cef: typeof import('../../src/cef') | undefined;
  jest.isolateModules(() => {
    jest.doMock('unix-dgram', () => {
      throw new Error('not built');
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cef = require('../../src/cef');
  });
  return cef as typeof import('../../src/cef');
}

afterEach(() => jest.dontMock('unix-dgram'));

test('without unix-dgram, auto falls back to a logger process', async () => {
  const { CefLogger } = loadWithoutUnixDgram();
  const logger = new CefLogger(config, { warn: () => undefined });
  expect(logger.sink?.description).toBe('syslog /nonexistent/log via logger process');
  await logger.close();
});

test('without unix-dgram, asking for it is a ConfigError', () => {
  const { CefLogger } = loadWithoutUnixDgram();
  expect(() => new CefLogger({ ...config, 'cef.syslog.transport': 'unix-dgram' })).toThrow(
    expect.objectContaining({ name: 'ConfigError', message: 'cef.syslog.transport: unix-dgram is not installed (npm install unix-dgram)' }),
  );
});

test('with neither unix-dgram nor logger, cef.file = syslog is a ConfigError', async () => {
  const out = await runTs(
    `
    const Module = require('module');
    const load = Module._load;
    Module._load = function (request, ...rest) {
      if (request === 'unix-dgram') throw new Error('not built');
      return load.call(this, request, ...rest);
    };
    const { CefLogger } = require('./src/cef');
    try {
      new CefLogger(${JSON.stringify(config)});
    } catch (err) {
      console.log(err.name + ': ' + err.message);
    }`,
    { PATH: '/nonexistent' },
  );
  expect(out).toBe('ConfigError: cef.file: syslog needs the optional unix-dgram package or the logger command (util-linux)\n');
});
