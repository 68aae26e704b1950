import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { main } from '../../src/cli/main';
import { createTestApp, serveApp, type ServedApp } from '../../src/testing';

const ROOT = join(__dirname, '../..');
import { NotesApp } from './notes-app';

const CONFIG = `
[auth]
backend = sql
sqluri = sqlite:///:memory:
password_scheme = ssha-256

[storage]
sqluri = sqlite:///:memory:

[cef]
vendor = mozilla
version = 0
device_version = 1.0
product = notes

[notes]
cors_origins = https://notes.example
demo_user = alice
demo_password = alice password
`;

const ALICE = ['alice', 'alice password'] as const;
const BOB = ['bob', 'bob password!'] as const;

describe('samples/notes through createTestApp', () => {
  let t: ReturnType<typeof createTestApp<NotesApp>>;
  let http: ReturnType<typeof request>;

  beforeEach(async () => {
    t = createTestApp(NotesApp, CONFIG);
    http = request(t.app.callback());
    await t.app.start();
    await t.app.auth!.createUser(...BOB, 'bob@example.com');
  });
  afterEach(() => t.app.close());

  test('the start hook seeded the demo user and a welcome note; each user sees only their own', async () => {
    const res = await http.get('/alice/notes').auth(...ALICE).expect(200);
    expect(res.body).toEqual([{ id: 1, title: 'Welcome', body: expect.stringContaining('first note') }]);
    expect(t.logs.filter((l) => l.msg === 'demo user: alice, password: notes.demo_password')).toHaveLength(1);
    expect(JSON.stringify(t.logs)).not.toContain('alice password');
    // The config is clean: no unknown key, nothing to warn about.
    expect(t.logs.filter((l) => l.level >= 40)).toEqual([]);
    await http.get('/bob/notes').auth(...BOB).expect(200, []);
    // Alice's note id under Bob's name: not found, not hers to show.
    await http.get('/bob/notes/1').auth(...BOB).expect(404);
  });

  test('notes belong to the account (its user id), not the name: a new account under a deleted name sees none of the old ones', async () => {
    const CAROL = ['carol', 'carol password 1'] as const;
    await t.app.auth!.createUser(...CAROL, 'carol@example.com');
    await http.post('/carol/notes').auth(...CAROL).send({ title: 'the old carol\'s' }).expect(201);
    const oldId = await t.app.auth!.getUserId('carol');
    expect(await t.app.auth!.deleteUser(oldId!)).toBe(true);
    await t.app.auth!.createUser('carol', 'carol password 2', 'carol2@example.com');
    expect(await t.app.auth!.getUserId('carol')).not.toEqual(oldId);
    await http.get('/carol/notes').auth('carol', 'carol password 2').expect(200, []);
    await http.post('/carol/notes').auth('carol', 'carol password 2').send({ title: 'the old carol\'s' }).expect(201);
  });

  test('write, read, list, delete: every route', async () => {
    const created = await http.post('/bob/notes').auth(...BOB).send({ title: 'milk', body: 'two litres' }).expect(201);
    expect(created.body).toEqual({ id: 2, title: 'milk', body: 'two litres' });
    expect(created.headers.location).toBe('/bob/notes/2');
    t.cef.assertLogged({ signature: 'NoteWrite', suser: 'bob', severity: 3 });
    await http.post('/bob/notes').auth(...BOB).send({ title: 'eggs' }).expect(201, { id: 3, title: 'eggs', body: '' });
    await http.get('/bob/notes/2').auth(...BOB).expect(200, { id: 2, title: 'milk', body: 'two litres' });
    await http.get('/bob/notes').auth(...BOB).expect(200, [{ id: 2, title: 'milk', body: 'two litres' }, { id: 3, title: 'eggs', body: '' }]);
    await http.delete('/bob/notes/2').auth(...BOB).expect(204);
    t.cef.assertLogged({ signature: 'NoteDelete', suser: 'bob' });
    await http.get('/bob/notes/2').auth(...BOB).expect(404);
    await http.delete('/bob/notes/2').auth(...BOB).expect(404);
    await http.get('/bob/notes').auth(...BOB).expect(200, [{ id: 3, title: 'eggs', body: '' }]);
    // The body as plain text (`body: 'text'`), whatever its Content-Type.
    await http.put('/bob/notes/3/body').auth(...BOB).set('Content-Type', 'text/plain').send('a dozen, free range')
      .expect(200, { id: 3, title: 'eggs', body: 'a dozen, free range' });
    await http.put('/bob/notes/2/body').auth(...BOB).set('Content-Type', 'text/plain').send('gone').expect(404);
    // Alice cannot delete Bob's note through her own URL.
    await http.delete('/alice/notes/3').auth(...ALICE).expect(404);
    await http.get('/bob/notes').auth(...BOB).expect(200, [{ id: 3, title: 'eggs', body: 'a dozen, free range' }]);
  });

  test('401 without credentials, with wrong ones, or for another user\'s URL', async () => {
    const res = await http.get('/bob/notes').expect(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="NotesApp"');
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401 });
    await http.post('/bob/notes').send({ title: 'x' }).expect(401);
    await http.delete('/bob/notes/1').expect(401);
    await http.get('/bob/notes').auth('bob', 'wrong').expect(401);
    await http.get('/alice/notes').auth(...BOB).expect(401);
    t.cef.assertLogged({ name: 'Username Does Not Match URL' });
  });

  test('a title the user already has is a 409 naming it; another user may use it', async () => {
    await http.post('/bob/notes').auth(...BOB).send({ title: 'milk' }).expect(201);
    const taken = await http.post('/bob/notes').auth(...BOB).send({ title: 'milk', body: 'again' }).expect(409);
    expect(taken.body).toEqual({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'You already have a note with this title', noteTitle: 'milk' });
    await http.post('/alice/notes').auth(...ALICE).send({ title: 'milk' }).expect(201);
    await http.get('/bob/notes').auth(...BOB).expect(200, [{ id: 2, title: 'milk', body: '' }]);
  });

  test('an import is one transaction: a duplicate anywhere in it leaves nothing behind (409)', async () => {
    await http.post('/bob/notes').auth(...BOB).send({ title: 'milk' }).expect(201);
    const refused = await http.post('/bob/notes/import').auth(...BOB).set('Origin', 'https://notes.example')
      .send({ notes: [{ title: 'eggs' }, { title: 'bread' }, { title: 'milk' }] }).expect(409);
    expect(refused.body).toEqual({ type: 'about:blank', title: 'Conflict', status: 409 });
    // The framework answered the unique violation, and a browser can read it: the CORS headers are on it.
    expect(refused.headers['access-control-allow-origin']).toBe('https://notes.example');
    await http.post('/bob/notes/import').auth(...BOB).send({ notes: [{ title: 'tea' }, { title: 'tea' }] }).expect(409);
    await http.get('/bob/notes').auth(...BOB).expect(200, [{ id: 2, title: 'milk', body: '' }]);
    const done = await http.post('/bob/notes/import').auth(...BOB).send({ notes: [{ title: 'eggs' }, { title: 'bread', body: 'rye' }] }).expect(200);
    expect(done.body).toEqual({ imported: 2, ids: [expect.any(Number), expect.any(Number)] });
    const titles = (await http.get('/bob/notes').auth(...BOB).expect(200)).body.map((n: { title: string }) => n.title);
    expect(titles).toEqual(['milk', 'eggs', 'bread']);
  });

  test('validation: problem details naming the failing fields, coerced query and params', async () => {
    const post = () => http.post('/bob/notes').auth(...BOB);
    const missing = await post().send({ body: 'no title' }).expect(400);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    expect(missing.body).toEqual({
      type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Invalid request',
      errors: [{ location: 'body', name: 'title', description: expect.any(String) }],
    });
    const both = await post().send({ title: 'x'.repeat(201), body: 42 }).expect(400);
    expect(both.body.errors.map((e: { name: string }) => e.name)).toEqual(['title', 'body']);
    expect((await post().set('Content-Type', 'application/json').send('{"title":').expect(400)).body)
      .toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request body is not valid JSON' });
    await post().set('Content-Type', 'text/plain').send('{"title":"x"}').expect(415);
    // The query string and the id are coerced to numbers, and bounded.
    for (const title of ['a', 'b', 'c', 'd']) await post().send({ title }).expect(201);
    const page = await http.get('/bob/notes?limit=2&after=2').auth(...BOB).expect(200);
    expect(page.body.map((n: { id: number }) => n.id)).toEqual([3, 4]);
    expect((await http.get('/bob/notes?limit=0').auth(...BOB).expect(400)).body.errors).toEqual([expect.objectContaining({ location: 'query', name: 'limit' })]);
    await http.get('/bob/notes?limit=101').auth(...BOB).expect(400);
    await http.get('/bob/notes?limit=ten').auth(...BOB).expect(400);
    expect((await http.get('/bob/notes/x1').auth(...BOB).expect(400)).body.errors).toEqual([expect.objectContaining({ location: 'params', name: 'id' })]);
    await http.delete('/bob/notes/0').auth(...BOB).expect(400);
    // The import is the old desktop client's: its JSON sent as a form or as text.
    const importing = () => http.post('/bob/notes/import').auth(...BOB);
    expect((await importing().send({ notes: [] }).expect(400)).body.errors).toEqual([expect.objectContaining({ location: 'body', name: 'notes' })]);
    expect((await importing().send({ notes: [{ title: 'ok' }, { title: '' }] }).expect(400)).body.errors)
      .toEqual([expect.objectContaining({ location: 'body', name: 'notes.1.title' })]);
    await importing().set('Content-Type', 'application/x-www-form-urlencoded').send('{"notes":[{"title":"from the form"}]}').expect(200);
    await importing().set('Content-Type', 'text/plain').send('{"notes":[{"title":"from text"}]}').expect(200);
    await importing().set('Content-Type', 'image/png').send('{"notes":[{"title":"png"}]}').expect(415);
    const titles = (await http.get('/bob/notes').auth(...BOB).expect(200)).body.map((n: { title: string }) => n.title);
    expect(titles).toEqual(['a', 'b', 'c', 'd', 'from the form', 'from text']);
    // The failing field always goes to the log.
    expect(t.logs.some((l) => l.msg === 'invalid request')).toBe(true);
  });

  test('CORS: the app middleware answers the preflight; responses and errors carry the origin', async () => {
    const preflight = await http.options('/bob/notes').set('Origin', 'https://notes.example')
      .set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization, content-type')
      .expect(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://notes.example',
      'access-control-allow-methods': 'GET,POST,PUT,DELETE',
      'access-control-allow-headers': 'Authorization,Content-Type',
      'access-control-max-age': '600',
    });
    // An origin not on the list gets the framework's plain OPTIONS answer: no CORS grant.
    const stranger = await http.options('/bob/notes').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST').expect(204);
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    expect(stranger.headers.allow).toBe('HEAD, GET, POST');
    const listed = await http.get('/bob/notes').auth(...BOB).set('Origin', 'https://notes.example').expect(200);
    expect(listed.headers['access-control-allow-origin']).toBe('https://notes.example');
    expect(listed.headers['access-control-expose-headers']).toBe('Location,X-Request-Id,Server-Timing');
    const denied = await http.get('/bob/notes').set('Origin', 'https://notes.example').expect(401);
    expect(denied.headers['access-control-allow-origin']).toBe('https://notes.example');
  });

  test('the hooks: Server-Timing on every response, no caching of a user\'s notes', async () => {
    const listed = await http.get('/bob/notes').auth(...BOB).expect(200);
    expect(listed.headers['x-weave-timestamp']).toBeUndefined();
    expect(listed.headers['server-timing']).toMatch(/^app;dur=\d+\.\d$/);
    expect(listed.headers['cache-control']).toBe('private, no-store');
    const heartbeat = await http.get('/__heartbeat__').expect(200);
    expect(heartbeat.headers['server-timing']).toMatch(/^app;dur=/);
    expect(heartbeat.headers['cache-control']).toBeUndefined();
    const missing = await http.get('/nowhere').expect(404);
    expect(missing.headers['server-timing']).toMatch(/^app;dur=/);
  });
});

describe('samples/notes metrics', () => {
  test('onError counts errors by status and class, next to the framework\'s metrics', async () => {
    const { app } = createTestApp(NotesApp, `${CONFIG}\n[metrics]\nenabled = true\n`);
    try {
      const http = request(app.callback());
      await http.get('/alice/notes').expect(401);
      await http.post('/alice/notes').auth(...ALICE).send({ title: 'Welcome' }).expect(409);
      await http.post('/alice/notes/import').auth(...ALICE).send({ notes: [{ title: 'Welcome' }] }).expect(409);
      const { text } = await http.get('/__metrics__').expect(200);
      expect(text).toContain('notes_errors_total{status="401",error="UnauthorizedError"} 1');
      expect(text).toContain('notes_errors_total{status="409",error="HttpError"} 1');
      expect(text).toContain('notes_errors_total{status="409",error="QueryFailedError"} 1');
    } finally {
      await app.close();
    }
  });
});

describe('samples/notes under TC39 standard decorators', () => {
  test('the same app, compiled without experimentalDecorators, stores and lists notes (EntitySchema needs no decorator)', async () => {
    // The repository compiles with experimentalDecorators; a child process compiles the sample without.
    const script = `
      const { createTestApp } = require(${JSON.stringify(join(ROOT, 'src/testing'))});
      const { NotesApp } = require(${JSON.stringify(join(__dirname, 'notes-app'))});
      (async () => {
        const { app } = createTestApp(NotesApp, { 'auth.backend': 'sql', 'auth.sqluri': 'sqlite:///:memory:', 'auth.password_scheme': 'ssha-256',
          'storage.sqluri': 'sqlite:///:memory:', 'notes.demo_user': 'alice', 'notes.demo_password': 'alice password' });
        const server = await app.listen(0);
        const url = 'http://127.0.0.1:' + server.address().port + '/alice/notes';
        const headers = { Authorization: 'Basic ' + Buffer.from('alice:alice password').toString('base64'), 'Content-Type': 'application/json' };
        const posted = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ title: 'tc39' }) });
        const again = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ title: 'tc39' }) });
        const listed = await (await fetch(url, { headers })).json();
        await app.close();
        // TC39 decorators leave Symbol.metadata on the class; experimentalDecorators do not.
        const tc39 = Object.getOwnPropertySymbols(NotesApp).some((s) => s === Symbol.metadata);
        process.stdout.write(JSON.stringify([tc39, posted.status, again.status, listed.map((n) => n.title)]));
      })().catch((err) => { console.error(err); process.exit(1); });`;
    const env = { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ experimentalDecorators: false, emitDecoratorMetadata: false }) };
    const stdout = await new Promise<string>((done, fail) => {
      execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, env }, (err, out, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : done(out)));
    });
    expect(JSON.parse(stdout)).toEqual([true, 201, 409, ['Welcome', 'tc39']]);
  }, 60_000);
});

/** One request on a new connection, so the cluster hands each to a worker in turn. */
function call(port: number, method: string, path: string, body?: unknown, login = 'demo:demo-password-1234'): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: `Basic ${Buffer.from(login).toString('base64')}` };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail).end(payload);
  });
}

describe('samples/notes under `services-core serve` with development.ini (2 workers)', () => {
  let serve: ServedApp | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('every worker sees every write: many reads over fresh connections always give the same notes', async () => {
    // development.ini as it is, but in a temporary folder: the database and CEF file land there.
    dir = mkdtempSync(join(tmpdir(), 'notes-serve-'));
    const ini = join(dir, 'development.ini');
    writeFileSync(ini, readFileSync(join(__dirname, 'development.ini'), 'utf8')
      .replace('use = ./notes-app.ts', `use = ${join(__dirname, 'notes-app.ts')}`)
      .replace('file:%(here)s/notes.conf', `file:${join(__dirname, 'notes.conf')}`));
    serve = await serveApp(ini);
    const port = serve.port;
    await serve.waitFor(/demo user: demo[^]*demo user: demo/);

    // Both workers ran the seeding hook on one fresh database: one user, one welcome note.
    const first = await call(port, 'GET', '/demo/notes');
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual([{ id: 1, title: 'Welcome', body: expect.any(String) }]);

    // Writes spread over both workers, then reads over fresh connections: always all of them.
    for (let i = 0; i < 6; i++) expect((await call(port, 'POST', '/demo/notes', { title: `note ${i}` })).status).toBe(201);
    expect((await call(port, 'POST', '/demo/notes', { title: 'note 3' })).status).toBe(409);
    const expected = ['Welcome', 'note 0', 'note 1', 'note 2', 'note 3', 'note 4', 'note 5'];
    for (let i = 0; i < 20; i++) {
      const { status, body } = await call(port, 'GET', '/demo/notes');
      expect({ status, titles: (JSON.parse(body) as Array<{ title: string }>).map((n) => n.title) }).toEqual({ status: 200, titles: expected });
    }
    // The onError counter is summed over the workers, whichever answers the scrape.
    for (let i = 0; i < 2; i++) {
      expect((await call(port, 'GET', '/__metrics__')).body).toContain('notes_errors_total{status="409",error="HttpError"} 1');
    }

    // A user added with `services-core users add` (password on stdin) logs in on every worker.
    let said = '';
    const io = { stdout: { write: (text: string) => (said += text) }, stderr: { write: (text: string) => (said += text) }, stdin: Readable.from(['carol password 1\n']) };
    expect(await main(['users', 'add', ini, 'carol', '--email', 'carol@example.com'], io)).toBe(0);
    expect((await call(port, 'POST', '/carol/notes', { title: 'hers' }, 'carol:carol password 1')).status).toBe(201);
    for (let i = 0; i < 4; i++) {
      expect(await call(port, 'GET', '/carol/notes?limit=10', undefined, 'carol:carol password 1')).toMatchObject({ status: 200, body: expect.stringContaining('"title":"hers"') });
    }
    expect(said).not.toContain('carol password 1');

    // A delete on one worker is gone on the other.
    expect((await call(port, 'DELETE', '/demo/notes/1')).status).toBe(204);
    for (let i = 0; i < 6; i++) expect((await call(port, 'GET', '/demo/notes/1')).status).toBe(404);

    // The access log (one line per request, with the worker's pid) shows both workers answered the reads.
    const records = serve.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { pid: number; msg: string; level: number });
    // Nothing to warn about (each distinct warning once, should there be any).
    expect([...new Set(records.filter((r) => r.level >= 40).map((r) => r.msg.replace(/\d+/g, 'N')))]).toEqual([]);
    const readers = new Set(records.filter((r) => r.msg.includes('"GET /demo/notes HTTP/1.1" 200')).map((r) => r.pid));
    expect(readers.size).toBe(2);
    expect(serve.output()).not.toMatch(/cannot be opened|could not start|restarting|crash id/i);
  }, 120_000);
});
