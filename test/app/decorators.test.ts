import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import ts from 'typescript';
import type { SyncServerApp } from '../../src/app';
import type { AppOptions } from '../../src/app/types';
import type { FlatConfig } from '../../src/config/types';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { createTestApp } from '../../src/testing/test-app';

type AppClass = new (config: FlatConfig, options?: AppOptions) => SyncServerApp;

const fixture = path.join(__dirname, 'fixtures', 'decorated-apps.ts');

/** The fixture compiled with the given decorator mode, loaded through jest's module registry. */
function load(experimentalDecorators: boolean): Record<string, AppClass> {
  const { outputText } = ts.transpileModule(readFileSync(fixture, 'utf8'), {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      experimentalDecorators,
      emitDecoratorMetadata: experimentalDecorators,
      useDefineForClassFields: true,
    },
    fileName: fixture,
  });
  if (experimentalDecorators) expect(outputText).toContain('__decorate(');
  else expect(outputText).toContain('__esDecorate(');
  const mod = { exports: {} as Record<string, AppClass> };
  // jest's require, so the fixture shares this test's copy of the framework and gets transpiled.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const localRequire = (id: string) => require(id.startsWith('.') ? path.resolve(path.dirname(fixture), id) : id);
  new Function('require', 'module', 'exports', outputText)(localRequire, mod, mod.exports);
  return mod.exports;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each([
  ['experimentalDecorators + reflect-metadata', true],
  ['TC39 standard decorators', false],
])('decorators (%s)', (_mode, experimental) => {
  const apps = load(experimental);

  const build = (name: string) => createTestApp(apps[name], {}, { dummyAuth: true });

  describe('a fixed chain whatever the decorator order', () => {
    const { app, cef } = build('OrderApp');
    beforeEach(() => cef.clear());

    test.each([['a', 'Read A', 'ReadA'], ['b', 'Read B', 'ReadB']])(
      'route %s: authenticate, handler, then the @cef event with the user', async (via, name, signature) => {
        await request(app.callback()).get(`/${via}/bob`).set('Authorization', basic('bob', 'pw')).expect(200, { user: 'bob', via });
        expect(cef.events).toHaveLength(1);
        cef.assertLogged({ name, signature, severity: 4, suser: 'bob', extensions: { outcome: 'success' } });
      });

    test.each([['a'], ['b']])('route %s: no credentials is a 401 before the handler, so no @cef event', async (via) => {
      await request(app.callback()).get(`/${via}/bob`).expect(401);
      expect(cef.events).toHaveLength(0);
    });

    test('the @cef event is written when the handler throws; its name defaults to the method name', async () => {
      await request(app.callback()).post('/fail').set('Authorization', basic('carol', 'pw')).expect(500);
      cef.assertLogged({ name: 'fail', signature: 'fail', severity: 9, suser: 'carol', extensions: { outcome: 'failure' } });
    });

    test('@authenticated({ optional: true }) runs the handler with or without a user', async () => {
      await request(app.callback()).get('/maybe').expect(200, { user: null });
      await request(app.callback()).get('/maybe').set('Authorization', basic('dave', 'pw')).expect(200, { user: 'dave' });
    });
  });

  test('routes are inherited and an undecorated override keeps its route', async () => {
    const { app } = build('SubApp');
    await request(app.callback()).get('/who').expect(200, 'sub');
    await request(app.callback()).get('/kept').expect(200, 'base kept');
    await request(app.callback()).get('/sub-only').expect(200, 'sub only');
    const base = build('BaseApp').app;
    await request(base.callback()).get('/who').expect(200, 'base');
    await request(base.callback()).get('/sub-only').expect(404);
  });

  test('a decorated override replaces the inherited route', async () => {
    const { app } = build('ReroutedApp');
    await request(app.callback()).get('/who-now').expect(200, 'rerouted');
    await request(app.callback()).get('/who').expect(404);
    await request(app.callback()).get('/kept').expect(200, 'base kept');
  });

  describe('misuse fails at construction naming Class.method', () => {
    test.each([
      ['DuplicateApp', /DuplicateApp\.second: duplicate route GET \/same\/\{other\} \(already served by DuplicateApp\.first\)/],
      ['SeverityApp', /SeverityApp\.loud: @cef severity must be an integer from 0 to 10, got 11/],
      ['FieldApp', /FieldApp\.handlerField: @route only applies to instance methods/],
      ['GetterApp', /GetterApp\.value: @route only applies to instance methods/],
      ['StaticApp', /StaticApp\.make: @route only applies to instance methods, not a static method/],
      ['MethodNameApp', /MethodNameApp\.fetchIt: unknown HTTP method 'FETCH'/],
      ['ClashApp', /ClashApp\.listen: the name 'listen' is taken by SyncServerApp/],
      ['NoRouteApp', /NoRouteApp\.orphan: @authenticated or @cef without @route/],
    ])('%s', (name, message) => {
      expect(() => build(name)).toThrow(message);
    });

    test('@authenticated without an auth backend', () => {
      const NeedsAuth = apps.NeedsAuthApp;
      const { logger } = createTestApp(apps.BaseApp);
      expect(() => new NeedsAuth({}, { logger })).toThrow(/NeedsAuthApp\.secret: @authenticated needs an auth backend/);
      expect(() => new NeedsAuth({}, { auth: new DummyAuth({ allow_dummy: true }), logger })).not.toThrow();
    });
  });
});
