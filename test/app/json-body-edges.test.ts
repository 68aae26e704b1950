import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { SyncServerApp, route, type AppContext } from '../../src/app';
import { createTestApp } from '../../src/testing/test-app';

// A lone surrogate escape in a JSON body was stored as U+FFFD (UTF-8 has none) while the answer
// echoed `\ud800`: one behaviour now, a 400 before any handler sees it.

class Echo extends SyncServerApp {
  @route('POST', '/echo', { body: 'json' })
  echo(ctx: AppContext) {
    return ctx.request.body as unknown;
  }
}

describe('JSON bodies: lone surrogates', () => {
  test('a lone surrogate escape, in a value or a key, is a 400 (respcode 6); a pair and U+FFFD itself pass', async () => {
    const { app } = createTestApp(Echo, {});
    const post = (text: string) => request(app.callback()).post('/echo').set('Content-Type', 'application/json').send(text);
    for (const body of ['"\\ud800"', '{"a":"x\\uDFFF"}', '{"\\ud83d":1}', '["ok", "\\uDBFFz"]']) {
      const res = await post(body);
      expect([body, res.status, res.text]).toEqual([body, 400, '6']);
    }
    await post('{"a":"\\ud83d\\ude00"}').expect(200, { a: '😀' });
    await post('{"b":"\\ufffd \\u00e9"}').expect(200, { b: '\ufffd é' });
    await app.close();
  });

  test('a body with Content-Encoding: gzip is a 415 and is not read as text; identity passes', async () => {
    const { app } = createTestApp(Echo, {});
    const body = gzipSync('{"a":1}');
    const res = await request(app.callback()).post('/echo').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body);
    expect(res.status).toBe(415);
    await request(app.callback()).post('/echo').set('Content-Type', 'application/json').set('Content-Encoding', 'identity').send('{"a":1}').expect(200, { a: 1 });
    await app.close();
  });
});
