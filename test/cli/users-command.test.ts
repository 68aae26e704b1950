import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import request from 'supertest';
import { schemeOf } from '../../src/auth/passwords';
import { main, type CommandIO } from '../../src/cli/main';
import type { CommandInput } from '../../src/cli/command-io';
import { readPassword } from '../../src/cli/read-password';
import { loadConfigFile } from '../../src/config/load-config-file';
import { createTestApp } from '../../src/testing';
import { serverDatabase, sqliteDatabase, type TestDatabase } from '../auth/sql-databases';
import { E2eApp } from '../e2e/fixtures/e2e-app';
import { ROOT, deployment } from '../e2e/fixtures/serve-process';
import { describeService } from '../services/describe-service';
import { testDirectory } from '../services/test-directory';

interface Run { code: number; stdout: string; stderr: string }

/** `services-core users …` in this process, `stdin` piped (not a terminal). */
async function users(args: string[], stdin?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CommandIO = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    stdin: stdin === undefined ? undefined : Readable.from([stdin]),
  };
  return { code: await main(['users', ...args], io), stdout, stderr };
}

/** The status `GET /<name>/info` gets from a freshly started app on that deployment, with these credentials. */
async function login(ini: string, name: string, password: string): Promise<number> {
  const { app } = createTestApp(E2eApp, loadConfigFile(ini));
  try {
    return (await request(app.callback()).get(`/${name}/info`).auth(name, password)).status;
  } finally {
    await app.close();
  }
}

const unique = (prefix: string) => `${prefix}${randomBytes(3).toString('hex')}`;

/** add → logs in; passwd → old refused, new accepted; disable → refused; enable → back; delete → gone. */
function lifecycle(setup: () => { ini: string; stored?: (name: string) => Promise<string | null> }, scheme: string) {
  test('add, passwd, disable, enable, delete: each seen by the app at its next login', async () => {
    const { ini, stored } = setup();
    const name = unique('ops');
    let run = await users(['add', ini, name], 'first-password-1\n');
    expect(run).toMatchObject({ code: 0, stdout: `user '${name}' added\n` });
    expect(run.stderr).not.toContain('first-password-1');
    if (stored) expect(schemeOf((await stored(name))!)).toBe(scheme); // the app's own password scheme
    expect(await login(ini, name, 'first-password-1')).toBe(200);
    expect(await login(ini, name, 'wrong')).toBe(401);

    run = await users(['add', ini, name], 'again\n');
    expect(run).toEqual({ code: 1, stdout: '', stderr: `services-core users add: user '${name}' already exists\n` });

    run = await users(['passwd', ini, name], 'second-password-2\r\n');
    expect(run).toMatchObject({ code: 0, stdout: `user '${name}' has a new password\n` });
    expect(await login(ini, name, 'first-password-1')).toBe(401);
    expect(await login(ini, name, 'second-password-2')).toBe(200);

    expect((await users(['disable', ini, name])).code).toBe(0);
    expect(await login(ini, name, 'second-password-2')).toBe(401);
    expect((await users(['enable', ini, name])).code).toBe(0);
    expect(await login(ini, name, 'second-password-2')).toBe(200);

    run = await users(['delete', ini, name]);
    expect(run).toMatchObject({ code: 0, stdout: `user '${name}' deleted\n` });
    expect(await login(ini, name, 'second-password-2')).toBe(401);
    for (const action of ['passwd', 'disable', 'delete']) {
      expect(await users([action, ini, name], 'x\n')).toEqual({ code: 1, stdout: '', stderr: `services-core users ${action}: no user '${name}'\n` });
    }
    // Added again after the delete: a new user.
    expect((await users(['add', ini, name, '--email', `${name}@example.com`], 'third-password-3\n')).code).toBe(0);
    expect(await login(ini, name, 'third-password-3')).toBe(200);
  }, 60_000);
}

describe('services-core users on SQLite', () => {
  let db: TestDatabase;
  let ini: string;
  beforeAll(async () => {
    db = await sqliteDatabase();
    ({ ini } = deployment('', `[auth]\nbackend = sql\nsqluri = ${db.uri}\npassword_scheme = ssha-256\n`));
  });
  afterAll(async () => db.drop());

  const stored = async (name: string) =>
    (await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = ?', [name]))[0]?.password_hash ?? null;
  lifecycle(() => ({ ini, stored }), 'ssha-256');

  test('usage mistakes exit 2; no password on stdin, an empty one, or a too long one exit 1 with one line', async () => {
    for (const argv of [[], ['add'], ['add', ini], ['rename', ini, 'bob'], ['add', ini, 'bob', 'extra'], ['passwd', ini, 'bob', '--email', 'x@y'], ['add', ini, 'bob', '--password', 'pw']]) {
      const run = await users(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^usage: services-core users add\|passwd\|disable\|enable\|delete <deployment\.ini> <name>/);
    }
    const name = unique('pw');
    expect(await users(['add', ini, name], '')).toEqual({ code: 1, stdout: '', stderr: 'services-core users add: no password on stdin (give it as the first line)\n' });
    expect(await users(['add', ini, name], '\nsecond line\n')).toEqual({ code: 1, stdout: '', stderr: 'services-core users add: the password is empty\n' });
    expect(await users(['add', ini, name])).toEqual({ code: 1, stdout: '', stderr: 'services-core users add: no input to read the password from\n' });
    const long = await users(['add', ini, name], `${'x'.repeat(300)}\n`);
    expect(long).toEqual({ code: 1, stdout: '', stderr: 'services-core users add: the password is longer than 256 characters (auth.max_password_length)\n' });
    expect(await login(ini, name, 'x'.repeat(300))).toBe(401);
  });

  test('a config without a store of users, or a missing file, is one line and exit 1', async () => {
    const dummy = deployment('', '[global]\nretry_after = 1\n').ini; // the fixture's dummy backend
    expect(await users(['add', dummy, 'bob'], 'pw\n')).toEqual({ code: 1, stdout: '', stderr: `services-core users add: ${dummy}: auth.backend = dummy keeps no users\n` });
    const memory = deployment('', '[auth]\nbackend = sql\n').ini;
    expect((await users(['add', memory, 'bob'], 'pw\n')).stderr).toBe(`services-core users add: ${memory}: auth.sqluri is an in-memory database, so users added here would be lost; set auth.sqluri\n`);
    const none = deployment('', '[auth]\nrealm = x\n').ini;
    expect((await users(['delete', none, 'bob'])).stderr).toBe(`services-core users delete: ${none}: auth.backend is not set, so there are no users to manage\n`);
    const run = await users(['delete', join(ROOT, 'no-such.ini'), 'bob']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('no-such.ini');
  });

  test('the bin reads the password from a pipe, never from its arguments, and exits while the writer keeps the pipe open', async () => {
    const name = unique('pipe');
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src/cli/main.ts'), 'users', 'add', ini, name],
        { cwd: ROOT, timeout: 45_000 }, (err, out) => { // killed (and failed) if it waits for the pipe to close
          child.stdin!.end();
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: out }); // -1: killed
        });
      child.stdin!.write('piped-password-1\n'); // and not closed until the command has exited
    });
    expect({ code, stdout }).toEqual({ code: 0, stdout: `user '${name}' added\n` });
    expect(await login(ini, name, 'piped-password-1')).toBe(200);
  }, 60_000);
});

describe('the password prompt on a terminal', () => {
  /** A fake terminal: raw mode recorded, keys typed after the prompt shows. */
  function terminal(keys: string[]): { input: CommandInput; raw: boolean[] } {
    const stream = new PassThrough();
    const raw: boolean[] = [];
    const input = Object.assign(stream, { isTTY: true, setRawMode: (on: boolean) => raw.push(on) });
    let i = 0;
    const typeNext = () => {
      if (i < keys.length) stream.write(keys[i++]);
    };
    stream.on('resume', () => setImmediate(typeNext));
    return { input, raw };
  }

  test('asks twice without echo; Backspace edits; a mismatch or Ctrl-C refuses', async () => {
    let shown = '';
    const prompt = { write: (t: string) => (shown += t) };
    const ok = terminal(['s3cret\u007fT\r', 's3creT\r']);
    await expect(readPassword(ok.input, 'New password for bob', { prompt, confirm: true })).resolves.toBe('s3creT');
    expect(shown).toBe('New password for bob: \nNew password for bob (again): \n'); // nothing typed is echoed
    expect(ok.raw).toEqual([true, false, true, false]);

    const differ = terminal(['one\r', 'two\r']);
    await expect(readPassword(differ.input, 'pw', { prompt, confirm: true })).rejects.toThrow('the two passwords differ');
    const cancelled = terminal(['abc\u0003']);
    await expect(readPassword(cancelled.input, 'pw', { prompt })).rejects.toThrow('cancelled');
    expect(cancelled.raw).toEqual([true, false]); // the terminal is given back
  });
});

describeService('pg', 'services-core users on PostgreSQL', () => {
  let db: TestDatabase;
  let ini: string;
  beforeAll(async () => {
    db = await serverDatabase('postgres');
    ({ ini } = deployment('', `[auth]\nbackend = sql\nsqluri = ${db.uri}\n`));
  });
  afterAll(async () => db.drop());

  const stored = async (name: string) =>
    (await db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE username = ?', [name]))[0]?.password_hash ?? null;
  lifecycle(() => ({ ini, stored }), 'argon2id');

  test('a database that does not answer is one line and exit 1', async () => {
    const url = new URL(db.uri);
    url.port = '1'; // nothing listens there
    const down = deployment('', `[auth]\nbackend = sql\nsqluri = ${url.toString()}\n`).ini;
    const run = await users(['add', down, 'bob'], 'pw\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^services-core users add: the auth backend failed or is unreachable: cannot open SQL database postgres(?:ql)?:\/\/[^\n]*\n$/);
    expect(run.stderr).not.toContain(url.password || '\0');
  });
});

describeService('ldap', 'services-core users on slapd', () => {
  const directory = testDirectory();
  const authSection = (overrides: Record<string, string> = {}) => {
    const params = { ...directory.params(), ...overrides } as Record<string, string>;
    return `[auth]\nbackend = ldap\n${Object.entries(params).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
  };
  lifecycle(() => ({ ini: deployment('', authSection()).ini }), 'ssha');

  test('disable is refused when logins ignore account-enabled; an unreachable directory is one line', async () => {
    const name = unique('nocheck');
    const ini = deployment('', authSection({ check_account_state: 'false' })).ini;
    expect((await users(['add', ini, name], 'pw-1234\n')).code).toBe(0);
    const run = await users(['disable', ini, name]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^services-core users disable: auth.check_account_state = false: logins ignore account-enabled/);
    expect(await login(ini, name, 'pw-1234')).toBe(200);
    expect((await users(['delete', ini, name])).code).toBe(0);

    const down = deployment('', authSection({ ldapuri: 'ldap://127.0.0.1:1' })).ini;
    const failed = await users(['add', down, 'bob'], 'pw\n');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^services-core users add: the auth backend failed or is unreachable: .*LDAP server unreachable[^\n]*\n$/);
  });
});
