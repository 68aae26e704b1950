import { Readable } from 'node:stream';
import { connect } from 'node:net';
import { once } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import request from 'supertest';
import { SyncServerApp, route, type AppContext } from '../../src/app';
import { createTestApp } from '../../src/testing';

/**
 * The app writes its answers itself (src/app/request/answer-writer.ts), not through Koa's
 * callback(): every kind of body Koa answers must come out as Koa sent it.
 */
class BodiesApp extends SyncServerApp {
  @route('GET', '/json')
  json() {
    return { hello: 'wörld' };
  }

  @route('GET', '/text')
  text() {
    return 'plain';
  }

  @route('GET', '/buffer')
  buffer() {
    return Buffer.from([0, 1, 2]);
  }

  @route('GET', '/stream')
  stream() {
    return Readable.from(['a', 'b', 'c']);
  }

  @route('GET', '/blob')
  blob(ctx: AppContext) {
    ctx.body = new Blob(['from a blob'], { type: 'text/plain' });
  }

  @route('GET', '/explicit-null')
  explicitNull(ctx: AppContext) {
    ctx.body = null; // Koa makes this a 204…
    ctx.status = 200; // …which the app overrides: an empty 200
  }

  @route('GET', '/status-only')
  statusOnly(ctx: AppContext) {
    ctx.status = 202;
  }

  @route('GET', '/not-modified')
  notModified(ctx: AppContext) {
    ctx.body = { never: 'sent' };
    ctx.status = 304;
  }

  @route('GET', '/raw')
  raw(ctx: AppContext) {
    ctx.respond = false;
    ctx.res.statusCode = 299;
    ctx.res.end('written by the handler');
  }

  @route('GET', '/failing-stream')
  failingStream() {
    return new Readable({
      read() {
        this.destroy(new Error('the stream broke'));
      },
    });
  }
}

/** Supertest buffers text only; these parse any body into bytes. */
function bytes(res: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

function bodiesApp() {
  const errors: unknown[] = [];
  const { app } = createTestApp(BodiesApp, {}, { dummyAuth: true });
  app.koa.on('error', (err: unknown) => errors.push(err));
  return { app, errors, http: request(app.callback()) };
}

describe('the answer', () => {
  test('objects are JSON with their byte length, strings text, buffers binary', async () => {
    const { http } = bodiesApp();
    const json = await http.get('/json').expect(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers['content-length']).toBe(String(Buffer.byteLength('{"hello":"wörld"}')));
    expect(json.body).toEqual({ hello: 'wörld' });
    const text = await http.get('/text').expect(200);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.text).toBe('plain');
    const buffer = await http.get('/buffer').buffer(true).parse(bytes).expect(200);
    expect(buffer.headers['content-type']).toBe('application/octet-stream');
    expect([...(buffer.body as Buffer)]).toEqual([0, 1, 2]);
  });

  test('streams and web bodies are piped', async () => {
    const { http } = bodiesApp();
    const stream = await http.get('/stream').buffer(true).parse(bytes).expect(200);
    expect((stream.body as Buffer).toString()).toBe('abc');
    expect(stream.headers['content-type']).toBe('application/octet-stream');
    const blob = await http.get('/blob').expect(200);
    expect(blob.text).toBe('from a blob');
    expect(blob.headers['content-length']).toBe('11');
  });

  test('a stream that fails mid-answer reaches the app\'s error event', async () => {
    const { http, errors } = bodiesApp();
    await http.get('/failing-stream').catch(() => undefined);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((err) => (err as Error).message)).toEqual(errors.map(() => 'the stream broke'));
  });

  test('HEAD gets the headers of GET, with its length, and no body', async () => {
    const { http } = bodiesApp();
    const head = await http.head('/text').expect(200);
    expect(head.headers['content-length']).toBe('5');
    expect(head.text).toBeUndefined();
  });

  test('no body: the status text, or nothing when the app set null; 304 drops what was set', async () => {
    const { http } = bodiesApp();
    const accepted = await http.get('/status-only').expect(202);
    expect(accepted.text).toBe('Accepted');
    expect(accepted.headers['content-type']).toBe('text/plain; charset=utf-8');
    const empty = await http.get('/explicit-null').expect(200);
    expect(empty.text).toBe('');
    expect(empty.headers['content-length']).toBe('0');
    expect(empty.headers['content-type']).toBeUndefined();
    const notModified = await http.get('/not-modified').expect(304);
    expect(notModified.text).toBe('');
    expect(notModified.headers['content-type']).toBeUndefined();
  });

  test('ctx.respond = false leaves the answer to the handler', async () => {
    const { http } = bodiesApp();
    const raw = await http.get('/raw').expect(299);
    expect(raw.text).toBe('written by the handler');
  });
});

/** Each of `count` pipelined GETs of `path` on one connection to `server`; resolves when all are answered. */
async function pipelined(server: Server, path: string, count: number): Promise<void> {
  const { port } = server.address() as { port: number };
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.split('HTTP/1.1 200').length - 1 === count) resolve();
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(count));
  });
  socket.destroy();
}

type Listeners = [socketError: number, finish: number, end: number, close: number];
const listenersOf = (req: IncomingMessage, res: ServerResponse): Listeners =>
  [req.socket.listenerCount('error'), res.listenerCount('finish'), res.listenerCount('end'), res.listenerCount('close')];

describe('listeners', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  // Koa's callback() added four per request (on-finished) to hear a socket error; the app hears it with one per connection.
  test('a request adds no listener to its response or connection beyond what Node\'s http server adds', async () => {
    const plain: Listeners[] = [];
    const node = createServer((req, res) => {
      plain.push(listenersOf(req, res));
      res.end('ok');
    }).listen(0, '127.0.0.1');
    servers.push(node);
    await once(node, 'listening');
    await pipelined(node, '/', 3);

    const { app } = createTestApp(BodiesApp, {}, { dummyAuth: true });
    const seen: Listeners[] = [];
    app.use(async (ctx, next) => {
      seen.push(listenersOf(ctx.req, ctx.res));
      await next();
    });
    const server = await app.listen(0, '127.0.0.1');
    await pipelined(server, '/text', 3);
    await app.close();
    const [socketError, ...response] = plain[0];
    // The app's one 'error' listener per connection is the only addition.
    expect(seen).toEqual([0, 1, 2].map(() => [socketError + 1, ...response]));
  });
});
