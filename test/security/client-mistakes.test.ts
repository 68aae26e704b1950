import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SyncServerApp, route } from '../../src/app';
import { createTestApp } from '../../src/testing/test-app';
import { waitFor } from '../support/wait-for';

class Hello extends SyncServerApp {
  @route('GET', '/hello')
  hello() {
    return 'hello';
  }
}

/** Writes `raw` on a new connection and resolves with all the server answered once it closed. */
function sendRaw(port: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString())).on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.write(raw);
  });
}

test('junk after a valid request on one connection is logged at info, never at error', async () => {
  const { app, logs } = createTestApp(Hello, {});
  const server = await app.listen(0, '127.0.0.1');
  try {
    const { port } = server.address() as AddressInfo;
    const answer = await sendRaw(port, 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\nJUNK\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 [24]00/);
    await waitFor(() => logs.some((l) => String(l.msg).startsWith('response failed')), { what: 'the response failed line' });
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(logs.filter((l) => String(l.msg).startsWith('response failed')).map((l) => l.level)).toEqual([30]);
  } finally {
    await app.close();
  }
});

class Items extends SyncServerApp {
  @route('POST', '/items', { body: 'json' })
  add() {
    return { ok: true };
  }
}

test('a JSON body longer than its Content-Length: the client gets 400 from the parser, the log one info line and no crash id', async () => {
  const { app, logs } = createTestApp(Items, {});
  const server = await app.listen(0, '127.0.0.1');
  try {
    const { port } = server.address() as AddressInfo;
    // The first 5 bytes are the body (invalid JSON); the rest is read as a next request, which the parser refuses.
    const answer = await sendRaw(port, 'POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"a":"xxxxxxxxxxxxxxxxxxxx"}');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await waitFor(() => logs.some((l) => String(l.msg).startsWith('answer not sent')), { what: 'the answer-not-sent line' });
    expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    const line = logs.find((l) => String(l.msg).startsWith('answer not sent'))!;
    expect(line).toMatchObject({ level: 30, status: 400 });
    expect(JSON.stringify(line)).not.toMatch(/crash|stack/i);
  } finally {
    await app.close();
  }
});

test("300 connections that send junk after a request: 10 info lines, then one count when the app closes", async () => {
  const { app, logs } = createTestApp(Hello, {});
  const server = await app.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  const junk = () => sendRaw(port, 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\nJUNK\r\n\r\n');
  for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 10 }, junk));
  await waitFor(() => logs.filter((l) => String(l.msg).startsWith('response failed')).length >= 10, { what: 'ten response failed lines' });
  await app.close();
  const failed = logs.filter((l) => String(l.msg).startsWith('response failed'));
  expect(failed).toHaveLength(10);
  const count = logs.find((l) => / more lines about clients' own mistakes in \d+ s were not logged$/.test(String(l.msg)));
  expect(count).toMatchObject({ level: 30 });
  expect((count as { suppressed?: number }).suppressed).toBeGreaterThan(200);
  expect(logs.filter((l) => l.level >= 50)).toEqual([]);
});
