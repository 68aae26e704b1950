/**
 * The Sync sample's error answers over HTTP, byte for byte as the Python original sent them
 * (WebOb 1.0.7's pages, docs/compatibility.md C.12): the bodies server-full's functional suite
 * reads, by the framework's default answer profile.
 */
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp } from '../../src/testing';
import { CAPTURED, CAPTURED_LENGTHS } from '../../test/app/fixtures/webob-pages';
import { SyncApp } from './sync-app';

const CONFIG = `
[global]
shared_secret = s3cret

[auth]
backend = sql
sqluri = sqlite:///:memory:
password_scheme = ssha-256
strict_usernames = false

[storage]
sqluri = sqlite:///:memory:
`;

const PASSWORD = 'correct horse battery';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

describe('samples/sync: error bodies as the original sent them (legacy answer profile)', () => {
  const { app } = createTestApp(SyncApp, CONFIG);
  let server: Server;

  function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const login = { Authorization: basic('tester', PASSWORD) };

  beforeAll(async () => {
    server = await app.listen(0);
    expect((await send('PUT', '/user/1.0/tester', { 'X-Weave-Secret': 's3cret' }, JSON.stringify({ password: PASSWORD, email: 't@example.com' }))).status).toBe(200);
    expect((await send('PUT', '/1.0/tester/storage/coll/1', login, JSON.stringify({ payload: 'x' }))).status).toBe(200);
  });
  afterAll(() => app.close());

  const accepts = [['plain', {}], ['html', { Accept: '*/*' }]] as const;

  function expectPage(answer: Answer, status: number, page: { contentType: string; body: string }, length: number): void {
    expect({ status: answer.status, type: answer.headers['content-type'], length: answer.headers['content-length'], body: answer.body })
      .toEqual({ status, type: page.contentType, length: String(length), body: page.body });
  }

  test.each(accepts)('401, wrong password and no credentials (%s)', async (kind, accept) => {
    const wrong = await send('GET', '/1.0/tester/storage/coll/1', { ...accept, Authorization: basic('tester', 'wrong password') });
    expectPage(wrong, 401, CAPTURED.wrongPassword[kind], CAPTURED_LENGTHS.wrongPassword[kind]);
    const none = await send('GET', '/1.0/tester/storage/coll/1', accept);
    expectPage(none, 401, CAPTURED.noCredentials[kind], CAPTURED_LENGTHS.noCredentials[kind]);
    expect(none.headers['www-authenticate']).toBe('Basic realm="Sync"');
  });

  test.each(accepts)('404: no such item, no route, an unknown user on the user API (%s)', async (kind, accept) => {
    for (const [path, headers] of [['/1.0/tester/storage/coll/99', login], ['/nothing/here', {}], ['/user/1.0/nobody/node/weave', {}]] as const) {
      expectPage(await send('GET', path, { ...accept, ...headers }), 404, CAPTURED.notFound[kind], CAPTURED_LENGTHS.notFound[kind]);
    }
  });

  test.each(accepts)('412 with the collection as detail (%s)', async (kind, accept) => {
    const res = await send('PUT', '/1.0/tester/storage/coll/1', { ...accept, ...login, 'X-If-Unmodified-Since': '1.00' }, JSON.stringify({ payload: 'y' }));
    expectPage(res, 412, CAPTURED.preconditionFailed[kind], CAPTURED_LENGTHS.preconditionFailed[kind]);
  });

  test.each(accepts)('400, a bad filter value (%s)', async (kind, accept) => {
    const res = await send('GET', '/1.0/tester/storage/coll?newer=abc', { ...accept, ...login });
    expectPage(res, 400, CAPTURED.badFilter[kind], CAPTURED_LENGTHS.badFilter[kind]);
  });

  test.each(accepts)('respcodes do not depend on Accept: DELETE storage without X-Confirm-Delete is 400 + 4 (%s)', async (_kind, accept) => {
    const res = await send('DELETE', '/1.0/tester/storage', { ...accept, ...login });
    expect([res.status, res.body]).toEqual([400, '4']);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test('405: WebOb\'s page names the method, with Allow', async () => {
    const res = await send('POST', '/1.0/tester/info/collections', login);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBeDefined();
    expect(res.body).toBe('405 Method Not Allowed\n\nThe method POST is not allowed for this resource. \n\n ');
  });
});
