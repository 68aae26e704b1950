import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { MemoryCefSink, createTestApp } from '../../src/testing';
import { HelloApp } from './hello-app';
import { DEFAULT_CONFIG, start } from './server';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('samples/hello', () => {
  test('the server starts from hello.conf on a real port and stops cleanly', async () => {
    const cefSink = new MemoryCefSink();
    const { logger } = createTestApp(HelloApp, {}, { dummyAuth: true });
    const { app, server } = await start(DEFAULT_CONFIG, 0, '127.0.0.1', { cefSink, logger });
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    await request(base).get('/hello/you').expect(200, { hello: 'you' });
    await request(base).get('/__heartbeat__').expect(200);
    const res = await request(base).get('/alice/info').expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Hello"');
    await app.close();
  });

  test('notes: JSON body, Basic auth, CEF audit, malformed input', async () => {
    const { app, cef } = createTestApp(HelloApp, { 'auth.realm': 'Hello' }, { dummyAuth: true });
    const agent = () => request(app.callback());
    await agent().post('/alice/notes').set('Authorization', basic('alice', 'pw')).send({ text: 'milk' }).expect(200, { saved: 1 });
    cef.assertLogged({ name: 'Note written', signature: 'NoteWrite', severity: 3, suser: 'alice' });
    await agent().get('/alice/notes').set('Authorization', basic('alice', 'pw')).expect(200, ['milk']);
    await agent().get('/alice/info').set('Authorization', basic('alice', 'pw')).expect(200, { id: 1, name: 'alice', notes: 1 });
    await agent().post('/alice/notes').set('Authorization', basic('alice', 'pw')).send({ text: '' }).expect(400, '8');
    await agent().post('/alice/notes').set('Authorization', basic('alice', 'pw')).set('Content-Type', 'application/json').send('{').expect(400, '6');
    await agent().get('/bob/notes').set('Authorization', basic('alice', 'pw')).expect(401);
    cef.assertLogged({ name: 'Username Does Not Match URL', severity: 7 });
  });

  test('the paste-style development.ini loads the same app with the access log on', async () => {
    const { logger, logs } = createTestApp(HelloApp, {}, { dummyAuth: true });
    const app = await HelloApp.fromConfigFile(path.join(__dirname, 'development.ini'), { logger, cefSink: new MemoryCefSink() });
    expect(app.config['global.retry_after']).toBe(600);
    await request(app.callback()).get('/hello/ini').expect(200);
    expect(logs.some((l) => l.msg.includes('"GET /hello/ini HTTP/1.1" 200'))).toBe(true);
    const debug = await request(app.callback()).get('/__debug__').expect(200);
    expect(debug.text).toContain('users with notes: 0');
    await app.close();
  });
});
