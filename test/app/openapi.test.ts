import request from 'supertest';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { SyncServerApp, authenticated, route, type AppContext, type AppUser } from '../../src/app';
import { pathTemplates } from '../../src/app/openapi/openapi-document';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { createTestApp } from '../../src/testing/test-app';

class LegacyApi extends SyncServerApp {
  @route('GET', '/{api:1.0|1.1}/{username}/info/collections')
  @authenticated
  collections() {
    return {};
  }

  @route('POST', '/plain', { body: 'json', validate: { body: v.object({ a: v.string() }) } })
  plain() {
    return {};
  }

  @route('GET', '/maybe')
  @authenticated({ optional: true })
  maybe(ctx: AppContext) {
    return { user: ctx.state.user?.name ?? null };
  }
}

type Doc = { paths: Record<string, Record<string, { parameters: Array<Record<string, unknown>>; responses: Record<string, { content?: Record<string, unknown> }>; security?: unknown[]; requestBody?: { content: Record<string, { schema: unknown }> } }>>; components?: Record<string, unknown> };

describe('the OpenAPI document (docs/app.md "OpenAPI")', () => {
  test('path templates: legacy {name:regex} placeholders, optional groups, trailing slashes', () => {
    expect(pathTemplates('/:api/:username/info')).toEqual([{ template: '/{api}/{username}/info', params: ['api', 'username'] }]);
    expect(pathTemplates('/files{/:name}')).toEqual([{ template: '/files/{name}', params: ['name'] }, { template: '/files', params: [] }]);
    expect(pathTemplates('/')).toEqual([{ template: '/', params: [] }]);
  });

  test('legacy profile: constraints as patterns, text error pages, optional auth, and a schema without a converter is reported, not invented', () => {
    const auth = new DummyAuth({ allow_dummy: true });
    const { app } = createTestApp(LegacyApi, {}, { auth });
    const warnings: string[] = [];
    const doc = app.openApiDocument({ warn: (m) => warnings.push(m) }) as Doc;
    const op = doc.paths['/{api}/{username}/info/collections'].get;
    expect(op.parameters[0]).toEqual({ name: 'api', in: 'path', required: true, schema: { type: 'string', pattern: '^(?:1.0|1.1)$' } });
    expect(Object.keys(op.responses['401'].content!)).toEqual(['text/plain', 'text/html']);
    expect(op.security).toEqual([{ basic: [] }]);
    expect(doc.paths['/maybe'].get.security).toEqual([{ basic: [] }, {}]);
    expect(doc.components).toEqual({ securitySchemes: { basic: { type: 'http', scheme: 'basic', description: 'HTTP Basic against the user store, realm "Sync"' } } });
    expect(doc.paths['/plain'].post.requestBody!.content['application/json'].schema).toEqual({});
    expect(warnings).toEqual(["LegacyApi.plain: validate.body is not described: the valibot schema has no JSON Schema converter (Standard JSON Schema, '~standard.jsonSchema'): wrap it with toStandardJsonSchema() from @valibot/to-json-schema"]);
  });

  test('an app with its own authenticate() names no Basic scheme', () => {
    class TokenApi extends SyncServerApp {
      @route('GET', '/me')
      @authenticated
      me(ctx: AppContext) {
        return ctx.state.user;
      }

      protected override authenticate(): Promise<AppUser | null> {
        return Promise.resolve(null);
      }
    }
    const doc = createTestApp(TokenApi).app.openApiDocument() as Doc;
    expect(doc.components).toBeUndefined();
    expect(doc.paths['/me'].get.security).toBeUndefined();
    expect(Object.keys(doc.paths['/me'].get.responses)).toEqual(['200', '401', 'default']);
  });

  test('served at global.openapi_page only when set, as JSON', async () => {
    class Served extends SyncServerApp {
      static override readonly answerProfile = 'json';
      static override readonly openApi = { title: 'Served API', version: '2.1.0' };

      @route('POST', '/things', { body: 'json', validate: { body: toStandardJsonSchema(v.object({ name: v.string() })) } })
      add() {
        return {};
      }
    }
    const off = createTestApp(Served);
    await request(off.app.callback()).get('/openapi.json').expect(404);
    const on = createTestApp(Served, { 'global.openapi_page': 'openapi.json' });
    const res = await request(on.app.callback()).get('/openapi.json').expect(200).expect('Content-Type', /^application\/json/);
    expect(res.body).toMatchObject({ openapi: '3.1.0', info: { title: 'Served API', version: '2.1.0' } });
    expect(res.body.paths['/things'].post.requestBody.content['application/json'].schema).toEqual({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
    await Promise.all([off.app.close(), on.app.close()]);
  });
});
