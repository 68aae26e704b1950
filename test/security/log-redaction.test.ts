import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';

// A secret in every credential slot of every request; none of them may reach a log or CEF file.
const SECRET = `Sekr3t-${Math.random().toString(36).slice(2)}`;
const USER = `leak${Math.random().toString(36).slice(2, 8)}`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const NEEDLES = [SECRET, b64(`${USER}:${SECRET}`), b64(`wrong:${SECRET}`), b64(SECRET)];

const AUTH = `Authorization: Basic ${b64(`${USER}:${SECRET}`)}`;
const COOKIE = `Cookie: session=${SECRET}`;
const PROXY = `Proxy-Authorization: Basic ${b64(`wrong:${SECRET}`)}`;
const CREDS = `${AUTH}\r\n${COOKIE}\r\n${PROXY}\r\n`;
const json = JSON.stringify({ password: SECRET, email: 'x@example.com' });

/** The corpus: framing errors, bad chunking, oversized headers, bad JSON, auth failures. */
function corpus(user: string): string[] {
  const host = 'Host: 127.0.0.1\r\n';
  return [
    // bad chunk sizes, on an authenticated route, a JSON route and an unauthenticated one
    `POST /user/1.0/${user}/password HTTP/1.1\r\n${host}${CREDS}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n${json}\r\n0\r\n\r\n`,
    `PUT /user/1.0/${user}x HTTP/1.1\r\n${host}${CREDS}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n${json}\r\n0\r\n\r\n`,
    `GET /user/1.0/${user} HTTP/1.1\r\n${host}${CREDS}Transfer-Encoding: chunked\r\n\r\nZZ\r\n${SECRET}\r\n0\r\n\r\n`,
    // a chunk longer than announced
    `POST /user/1.0/${user}/email HTTP/1.1\r\n${host}${CREDS}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n${json}\r\n0\r\n\r\n`,
    // framing: both Content-Length and chunked, a bad Content-Length, a bad request line, a bad header name
    `POST /user/1.0/${user}/email HTTP/1.1\r\n${host}${CREDS}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${json}`,
    `POST /user/1.0/${user}/email HTTP/1.1\r\n${host}${CREDS}Content-Length: abc\r\n\r\n${json}`,
    `GARBAGE /user/1.0/${user} HTTP/9.9 ${SECRET}\r\n${host}${CREDS}\r\n`,
    `GET /user/1.0/${user}/info HTTP/1.1\r\n${host}${CREDS}Bad Header${SECRET}: x\r\n\r\n`,
    `GET /user/1.0/${user}/info HTTP/1.1\r\n${host}${CREDS}X-Ctl: a\u0001${SECRET}\r\n\r\n`,
    // oversized headers (Node's default limit is 16 KB)
    `GET /user/1.0/${user}/info HTTP/1.1\r\n${host}${CREDS}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    // bad JSON carrying the password, and a body cut short
    `POST /user/1.0/${user}/password HTTP/1.1\r\n${host}${CREDS}Content-Type: application/json\r\nContent-Length: ${json.length - 1}\r\n\r\n${json.slice(0, -1)}`,
    `PUT /user/1.0/${user}y HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${json.length + 10}\r\n\r\n${json}`,
    // auth failures: wrong password, unknown user, malformed header
    `GET /user/1.0/${user}/info HTTP/1.1\r\n${host}Authorization: Basic ${b64(`${user}:wrong-${SECRET}`)}\r\n${COOKIE}\r\n\r\n`,
    `GET /user/1.0/nobody/info HTTP/1.1\r\n${host}Authorization: Basic ${b64(`nobody:${SECRET}`)}\r\n\r\n`,
    `GET /user/1.0/${user}/info HTTP/1.1\r\n${host}Authorization: Basic ${SECRET}!!\r\n\r\n`,
    `GET /user/1.0/${user}/info HTTP/1.1\r\n${host}Authorization: Bearer ${SECRET}\r\n${PROXY}\r\n\r\n`,
    // a password change with a valid login and a JSON password
    `POST /user/1.0/${user}/password HTTP/1.1\r\n${host}${AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`,
  ];
}

/** Writes `raw` on a new connection and resolves with whatever comes back before it closes. */
function sendRaw(port: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      // One answer is enough; keep-alive connections would otherwise stay open.
      if (/\r\n\r\n/.test(answer)) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    socket.end(raw);
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

/** JSON-serialised Buffers (`{"type":"Buffer","data":[80,79,...]}`) as the text they hold. */
function decodeBuffers(text: string): string {
  return text.replace(/\{"type":"Buffer","data":\[([\d,]*)\]\}/g, (_, bytes: string) =>
    Buffer.from(bytes === '' ? [] : bytes.split(',').map(Number)).toString('latin1'));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.db'))
    .map((e) => join(e.parentPath, e.name));
}

describe('no credential reaches a log or CEF file', () => {
  let serve: ServeProcess | undefined;
  afterEach(() => stopServe(serve));

  test('a corpus of bad requests against the accounts sample under serve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-redact-'));
    const ini = join(dir, 'deployment.ini');
    writeFileSync(ini, [
      '[DEFAULT]', 'debug = true', '',
      '[server:main]', 'host = 127.0.0.1', 'port = 0', 'workers = 2', '',
      '[app:main]', `use = ${join(ROOT, 'samples/accounts/accounts-app.ts')}#AccountsApp`,
      `configuration = file:${join(ROOT, 'samples/accounts/accounts.conf')}`,
      'auth.sqluri = sqlite:///%(here)s/accounts.db', 'cef.file = %(here)s/cef.log',
      'global.log_file = %(here)s/app.log', 'global.log_level = debug', 'global.graceful_shutdown_interval = 0',
      // the demo user's password is not a secret of this test
      `accounts.demo_user = ${USER}`, 'accounts.demo_password = demo-password-1234', '',
    ].join('\n'));
    serve = startServe([ini], { logFile: join(dir, 'app.log') });
    const port = await listeningPort(serve);
    const answers: string[] = [];
    for (const raw of corpus(USER)) answers.push(await sendRaw(port, raw));
    // Every request got an answer (or a closed connection), never a 500.
    for (const answer of answers) expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/);
    serve.child.kill('SIGTERM');
    await serve.exited;

    const files = filesUnder(dir);
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(expect.arrayContaining(['app.log', 'cef.log']));
    const everything = decodeBuffers([serve.output(), ...files.map((f) => readFileSync(f, 'latin1'))].join('\n'));
    // The corpus did reach the logs: the CEF file recorded the failures, and the broken requests
    // were logged as the client's mistakes (info lines, no crash id: docs/app.md "Errors").
    expect(everything).toMatch(/Authentication Failed/);
    expect(everything).toMatch(/answer not sent: the client's connection is gone/);
    expect(everything).toMatch(/response failed: the client's connection: HPE_/);
    const hits = NEEDLES.filter((needle) => everything.includes(needle));
    expect(hits).toEqual([]);
  }, 120_000);
});
