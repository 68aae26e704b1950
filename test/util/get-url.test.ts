import { getUrl } from '../../src/util/get-url';
import { type LocalServer, closedPort, later, startServer } from './local-server';

describe('getUrl (docs/compatibility.md C.11 get_url) against real local servers', () => {
  let server: LocalServer;

  beforeAll(async () => {
    server = await startServer((req, res, body) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      switch (path) {
        case '/echo':
          res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'yes' });
          res.end(JSON.stringify({ method: req.method, body: body.toString(), auth: req.headers.authorization ?? null, extra: req.headers['x-extra'] ?? null }));
          return;
        case '/error':
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('upstream exploded');
          return;
        case '/missing':
          res.writeHead(404);
          res.end('nope');
          return;
        case '/slow':
          later(res, () => res.end('late'));
          return;
        case '/slow-body':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write('start…');
          later(res, () => res.end('end'));
          return;
        case '/redirect':
          res.writeHead(302, { Location: '/echo' });
          res.end();
          return;
        case '/cookies':
          res.setHeader('Set-Cookie', ['a=1', 'b=2']);
          res.end('é');
          return;
        case '/hangup':
          req.socket.destroy();
          return;
        default:
          res.writeHead(400);
          res.end();
      }
    });
  });

  afterAll(() => server.close());

  it('returns status, headers and body', async () => {
    const r = await getUrl(`${server.url}/echo`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-upstream']).toBe('yes');
    expect(JSON.parse(r.body)).toEqual({ method: 'GET', body: '', auth: null, extra: null });
  });

  it('sends method, body, headers and Basic credentials (which replace an Authorization header)', async () => {
    const r = await getUrl(`${server.url}/echo`, {
      method: 'POST', body: 'payload', user: 'tarek', password: 'pa:ss', headers: { 'X-Extra': '1', authorization: 'Bearer x' },
    });
    expect(JSON.parse(r.body)).toEqual({
      method: 'POST', body: 'payload', auth: `Basic ${Buffer.from('tarek:pa:ss').toString('base64')}`, extra: '1',
    });
  });

  it('passes upstream HTTP errors through with their body', async () => {
    expect(await getUrl(`${server.url}/error`)).toMatchObject({ status: 500, body: 'upstream exploded' });
    expect(await getUrl(`${server.url}/missing`)).toMatchObject({ status: 404, body: 'nope' });
  });

  it('answers 504 when the server does not answer in time', async () => {
    const r = await getUrl(`${server.url}/slow`, { timeoutMs: 200 });
    expect(r.status).toBe(504);
    expect(r.body).toBe(`upstream timed out after 200 ms: GET ${server.url}/slow`);
  });

  it('answers 504 when the body stops coming', async () => {
    const r = await getUrl(`${server.url}/slow-body`, { timeoutMs: 300 });
    expect(r.status).toBe(504);
  });

  it('answers 502 when nothing listens', async () => {
    const port = await closedPort();
    const r = await getUrl(`http://127.0.0.1:${port}/x?secret=1`);
    expect(r.status).toBe(502);
    expect(r.body).toBe(`upstream unreachable: GET http://127.0.0.1:${port}/x (ECONNREFUSED)`);
  });

  it('answers 502 when the server hangs up', async () => {
    expect((await getUrl(`${server.url}/hangup`)).status).toBe(502);
  });

  it('follows redirects', async () => {
    const r = await getUrl(`${server.url}/redirect`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).method).toBe('GET');
  });

  it('decodes the body as UTF-8 and joins repeated headers', async () => {
    const r = await getUrl(`${server.url}/cookies`);
    expect(r.body).toBe('é');
    expect(r.headers['set-cookie']).toBe('a=1, b=2');
  });

  it('throws for a malformed call instead of pretending the upstream failed', async () => {
    await expect(getUrl('not a url')).rejects.toThrow('getUrl: invalid URL "not a url"');
    await expect(getUrl('ftp://127.0.0.1/')).rejects.toThrow('getUrl: only http and https URLs are supported, got "ftp:"');
    await expect(getUrl('http://u:p@127.0.0.1/')).rejects.toThrow('getUrl: pass credentials as user and password, not in the URL');
    await expect(getUrl(`${server.url}/echo`, { body: 'x' })).rejects.toThrow('getUrl: a GET request cannot have a body');
    await expect(getUrl(`${server.url}/echo`, { timeoutMs: 0 })).rejects.toThrow('getUrl: timeoutMs must be a positive number, got 0');
  });
});
