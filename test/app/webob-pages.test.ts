import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BackendError, HttpError, NotFoundError, SyncServerApp, authenticated, jsonBadRequest, route,
} from '../../src/app';
import { webobPage } from '../../src/app/responses/webob-page';
import { DummyAuth } from '../../src/auth/dummy-auth';
import { createTestApp } from '../../src/testing/test-app';
import { CAPTURED, CAPTURED_LENGTHS } from './fixtures/webob-pages';

const EXPLANATION_400 = 'The server could not comply with the request since it is either malformed or otherwise incorrect.';

describe("WebOb 1.0.7's error pages (docs/compatibility.md C.12)", () => {
  const cases = [
    ['wrongPassword', { status: 401, charset: true }],
    ['noCredentials', { status: 401, charset: false }],
    ['notFound', { status: 404, charset: true }],
    ['preconditionFailed', { status: 412, charset: true, detail: 'coll' }],
    ['badFilter', { status: 400, charset: true, detail: 'Invalid value for "newer"' }],
  ] as const;

  test.each(cases)('%s: the captured plain and HTML pages, byte for byte', (name, input) => {
    const plain = webobPage({ ...input, method: 'GET' });
    const html = webobPage({ ...input, method: 'GET', accept: '*/*' });
    expect(plain).toEqual(CAPTURED[name].plain);
    expect(html).toEqual(CAPTURED[name].html);
    expect([Buffer.byteLength(plain.body), Buffer.byteLength(html.body)]).toEqual([CAPTURED_LENGTHS[name].plain, CAPTURED_LENGTHS[name].html]);
  });

  test.each([
    [undefined, 'text/plain'], ['', 'text/plain'], ['application/json', 'text/plain'], ['text/*', 'text/plain'],
    ['*/*', 'text/html'], ['text/html', 'text/html'], ['application/xhtml+xml;q=0.9', 'text/html'], ['application/json, */*;q=0.1', 'text/html'],
  ])('Accept %p: %s (html or */* anywhere in it picks the HTML page)', (accept, type) => {
    expect(webobPage({ status: 404, method: 'GET', accept, charset: true }).contentType).toBe(`${type}; charset=UTF-8`);
  });

  test('405 names the method (WebOb\'s own template, no explanation)', () => {
    expect(webobPage({ status: 405, method: 'POST', charset: true }).body)
      .toBe('405 Method Not Allowed\n\nThe method POST is not allowed for this resource. \n\n ');
    expect(webobPage({ status: 405, method: 'PUT', charset: true, accept: '*/*' }).body).toBe(
      '<html>\n <head>\n  <title>405 Method Not Allowed</title>\n </head>\n <body>\n  <h1>405 Method Not Allowed</h1>\n' +
      '  The method PUT is not allowed for this resource. <br /><br />\n\n </body>\n</html>');
  });

  test('the HTML page escapes & < > " and non-ASCII; the plain page strips tags and turns newlines into spaces', () => {
    const detail = '<b>bold</b> & "quoted" \'single\' café\nnext<br>line';
    const html = webobPage({ status: 409, method: 'GET', charset: true, accept: 'text/html', detail }).body;
    expect(html).toContain('<br /><br />\n&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; \'single\' caf&#233;\nnext&lt;br&gt;line\n\n\n </body>');
    expect(webobPage({ status: 409, method: 'GET', charset: true, detail }).body)
      .toBe('409 Conflict\n\nThere was a conflict when trying to complete your request.\n\n bold & "quoted" \'single\' café next\nline  ');
  });

  test('a comment is an HTML comment in the HTML page and plain text in the plain one', () => {
    expect(webobPage({ status: 404, method: 'GET', charset: true, accept: '*/*', comment: 'see -> logs' }).body)
      .toContain('could not be found.<br /><br />\n\n<!-- see -&gt; logs -->\n\n </body>');
    expect(webobPage({ status: 404, method: 'GET', charset: true, comment: 'a < b' }).body)
      .toBe('404 Not Found\n\nThe resource could not be found.\n\n   a < b  ');
  });

  test('WebOb quirks kept: 415 shows the 400 explanation (its template was never read); 413 has WebOb\'s title', () => {
    expect(webobPage({ status: 415, method: 'POST', charset: true }).body).toBe(`415 Unsupported Media Type\n\n${EXPLANATION_400}\n\n   `);
    expect(webobPage({ status: 413, method: 'POST', charset: true }).body)
      .toBe('413 Request Entity Too Large\n\nThe body of your request was too large for this server.\n\n   ');
  });

  test('a status WebOb had no class for: Node\'s reason phrase, the explanation of its class', () => {
    expect(webobPage({ status: 429, method: 'GET', charset: true }).body).toBe(`429 Too Many Requests\n\n${EXPLANATION_400}\n\n   `);
    expect(webobPage({ status: 507, method: 'GET', charset: true }).body)
      .toBe('507 Insufficient Storage\n\nThe server has either erred or is incapable of performing the requested operation.\n\n   ');
  });
});

class PagesApp extends SyncServerApp {
  @route('GET', '/:username/secret')
  @authenticated
  secret() {
    return 'ok';
  }

  @route('GET', '/missing')
  missing() {
    throw new NotFoundError();
  }

  @route('GET', '/respcode')
  respcode() {
    throw jsonBadRequest(4);
  }

  @route('GET', '/down')
  down() {
    throw new BackendError('database is down');
  }

  @route('GET', '/crash')
  crash() {
    throw new TypeError('boom');
  }

  @route('GET', '/hidden')
  hidden() {
    throw new HttpError(503, 'internal host 10.1.2.3', { expose: false });
  }
}

interface RawAnswer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function get(server: Server, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawAnswer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the legacy profile answers with WebOb\'s pages over HTTP', () => {
  const auth = new DummyAuth({ allow_dummy: true });
  const { app } = createTestApp(PagesApp, {}, { auth });
  let server: Server;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  beforeAll(async () => {
    await auth.createUser('alice', 'right password', 'a@example.com');
    server = await app.listen(0);
  });
  afterAll(() => app.close());

  test.each([['plain', {}], ['html', { Accept: '*/*' }]] as const)('%s: a wrong password, no credentials, no route', async (kind, accept) => {
    const wrong = await get(server, '/alice/secret', { ...accept, Authorization: basic('alice', 'wrong') });
    expect([wrong.status, wrong.headers['content-type'], wrong.body]).toEqual([401, CAPTURED.wrongPassword[kind].contentType, CAPTURED.wrongPassword[kind].body]);
    expect(wrong.headers['content-length']).toBe(String(CAPTURED_LENGTHS.wrongPassword[kind]));
    const none = await get(server, '/alice/secret', accept);
    expect([none.status, none.headers['content-type'], none.body]).toEqual([401, CAPTURED.noCredentials[kind].contentType, CAPTURED.noCredentials[kind].body]);
    expect(none.headers['www-authenticate']).toBe('Basic realm="Sync"');
    for (const path of ['/nowhere', '/missing']) {
      const missing = await get(server, path, accept);
      expect([missing.status, missing.headers['content-type'], missing.body]).toEqual([404, CAPTURED.notFound[kind].contentType, CAPTURED.notFound[kind].body]);
    }
  });

  test('405 with Allow and the method in the page', async () => {
    const res = await get(server, '/missing', {}, 'DELETE');
    expect([res.status, res.headers.allow, res.body]).toEqual([405, 'HEAD, GET', '405 Method Not Allowed\n\nThe method DELETE is not allowed for this resource. \n\n ']);
  });

  test('respcode bodies and the 500 text stay as they were; a hidden message shows no detail', async () => {
    const respcode = await get(server, '/respcode', { Accept: '*/*' });
    expect([respcode.status, respcode.headers['content-type'], respcode.body]).toEqual([400, 'application/json; charset=utf-8', '4']);
    const crash = await get(server, '/crash', { Accept: '*/*' });
    expect(crash.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(crash.body).toMatch(/^An unexpected error occurred \(crash id [0-9a-f]{16}\)$/);
    const hidden = await get(server, '/hidden');
    expect(hidden.body).toBe('503 Service Unavailable\n\nThe server is currently unavailable. Please try again at a later time.\n\n   ');
  });

  test('a backend outage is WebOb\'s 503 page with the crash id as its detail, and Retry-After', async () => {
    const res = await get(server, '/down');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1800');
    expect(res.body).toMatch(/^503 Service Unavailable\n\nThe server is currently unavailable\. Please try again at a later time\.\n\n crash id [0-9a-f]{16} {2}$/);
  });
});
