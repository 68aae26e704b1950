import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type {
  AppHooks, AppMiddleware, ContentTypes, HookName, InvalidField, RouteBody, RouteValidation, StandardSchemaV1, Valid, ValidContext,
} from '../../src';
import { SyncServerApp } from '../../src';

// The names docs/compatibility.md R.2 fixes, per package entry point.
const CONFIG = ['Config', 'ConfigError', 'EnvironmentNotFoundError', 'convert', 'filterParams', 'loadAppConfig'];
const CEF = ['logCef', 'formatCef', 'AUTH_FAILURE', 'CAPTCHA_FAILURE', 'OVERRIDE_FAILURE', 'ACCOUNT_LOCKED', 'PASSWD_RESET_CLR'];
const MAIN = [
  ...CONFIG, ...CEF,
  'SyncServerApp', 'route', 'authenticated', 'cef', 'HttpError', 'BackendError', 'BackendTimeoutError',
  'jsonResponse', 'textResponse', 'newlinesResponse', 'whoisiResponse', 'convertResponse', 'preferredFormat', 'jsonBadRequest', 'respcodes',
  'registerAuthBackend', 'createAuthBackend', 'SQLAuth', 'LDAPAuth', 'DummyAuth', 'hashPassword', 'validatePassword',
  'extractUsername', 'roundTime', 'time2bigint', 'bigint2time', 'validEmail', 'validPassword', 'batch', 'getUrl',
  'proxy', 'sendEmail',
];
const TESTING = ['MemoryCefSink', 'createTestApp'];

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string; default: string } | string>;
  bin: Record<string, string>;
};

/** `./dist/x/index.js` → `src/x/index.ts`: the build maps src/ to dist/ one to one. */
function sourceOf(distPath: string): string {
  return path.join(root, distPath.replace(/^\.?\/?dist\//, 'src/').replace(/\.js$/, '.ts'));
}

describe.each([
  ['.', MAIN],
  ['./config', CONFIG],
  ['./cef', CEF],
  ['./testing', TESTING],
])('package entry point %s', (entry, names) => {
  const target = pkg.exports[entry];

  test('is exported with types', () => {
    expect(target).toEqual({ types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) });
    expect(existsSync(sourceOf((target as { default: string }).default))).toBe(true);
  });

  test('exposes the public names of docs/compatibility.md R.2', async () => {
    const mod = (await import(sourceOf((target as { default: string }).default))) as Record<string, unknown>;
    const missing = names.filter((name) => mod[name] === undefined);
    expect(missing).toEqual([]);
  });
});

test('the services-core bin is built from src/cli/main.ts', () => {
  expect(existsSync(sourceOf(pkg.bin['services-core']))).toBe(true);
  expect(readFileSync(sourceOf(pkg.bin['services-core']), 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);
});

test('the app\'s extension points: use, addHook and the hook and validation types (docs/app.md)', () => {
  const names: Array<HookName> = ['onStart', 'onClose', 'onRequest', 'onResponse', 'onError'];
  const hook: AppHooks['onError'] = () => undefined;
  const middleware: AppMiddleware = async (_ctx, next) => next();
  const body: RouteBody = 'text';
  const types: ContentTypes = ['text/plain'];
  const schemas: RouteValidation = {};
  const unused: Array<Valid<RouteValidation> | ValidContext<RouteValidation> | InvalidField | StandardSchemaV1 | undefined> = [];
  expect([names.length, typeof hook, typeof middleware, body, types, schemas, unused]).toEqual([5, 'function', 'function', 'text', ['text/plain'], {}, []]);
  expect(typeof SyncServerApp.prototype.use).toBe('function');
  expect(typeof SyncServerApp.prototype.addHook).toBe('function');
});
