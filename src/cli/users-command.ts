import { dirname, resolve } from 'node:path';
import type { AuthBackend, UserId } from '../auth/backend';
import { createAuthBackend } from '../auth/registry';
import { ConfigError } from '../config/errors';
import { loadConfigFile } from '../config/load-config-file';
import type { FlatConfig } from '../config/types';
import { databaseIdentity } from '../data/sql-uri';
import { isBackendError, isHttpError } from '../util/errors';
import type { CommandIO } from './command-io';
import { PasswordInputError, readPassword } from './read-password';

const USERS_USAGE = 'users add|passwd|disable|enable|delete <deployment.ini> <name> [--email ADDRESS]';

const ACTIONS = ['add', 'passwd', 'disable', 'enable', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

/** A refusal the operator can act on: one line, exit 1. */
class UsersError extends Error {}

interface UsersArgs {
  action: Action;
  file: string;
  name: string;
  email: string;
}

function parseArgs(args: string[]): UsersArgs | undefined {
  const positional: string[] = [];
  let email = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--email' && i + 1 < args.length) email = args[++i];
    else if (arg.startsWith('--email=')) email = arg.slice('--email='.length);
    else if (arg.startsWith('-')) return undefined;
    else positional.push(arg);
  }
  const [action, file, name] = positional;
  if (positional.length !== 3 || !(ACTIONS as readonly string[]).includes(action) || name === '') return undefined;
  if (email !== '' && action !== 'add') return undefined;
  return { action: action as Action, file, name, email };
}

/**
 * `services-core users <action> <deployment.ini> <name>`: adds a user, sets its password, disables
 * or enables it, or deletes it, in the backend `auth.backend` of that config names (SQL, LDAP, or
 * any backend with the operator methods), with its settings: the same password scheme, database
 * and directory as the app. The password is read from the terminal without echo, or as the first
 * line of stdin; never from the arguments. Any problem is one line and exit code 1.
 */
export async function usersCommand(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseArgs(args);
  if (!parsed) {
    io.stderr.write(`usage: services-core ${USERS_USAGE}\n` +
      '  the password is prompted for (no echo), or read as the first line of stdin\n');
    return 2;
  }
  const { action, name } = parsed;
  const file = resolve(parsed.file);
  let backend: AuthBackend | undefined;
  try {
    backend = openBackendFor(file, io);
    await backend.open?.();
    const id = await backend.getUserId(name);
    if (action === 'add') {
      if (id !== null) throw new UsersError(`user '${name}' already exists`);
      const password = await newPassword(io, name);
      if (!(await backend.createUser(name, password, parsed.email))) throw new UsersError(`user '${name}' already exists`);
      io.stdout.write(`user '${name}' added\n`);
      return 0;
    }
    if (id === null) throw new UsersError(`no user '${name}'`);
    const done = await change(backend, action, id, () => newPassword(io, name));
    if (!done) throw new UsersError(`no user '${name}'`); // deleted meanwhile
    io.stdout.write(`user '${name}' ${PAST[action]}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`services-core users ${action}: ${oneLine(err)}\n`);
    return 1;
  } finally {
    await backend?.close().catch(() => undefined);
  }
}

const PAST: Record<Exclude<Action, 'add'>, string> = { passwd: 'has a new password', disable: 'disabled', enable: 'enabled', delete: 'deleted' };

function change(backend: AuthBackend, action: Exclude<Action, 'add'>, id: UserId, password: () => Promise<string>): Promise<boolean> {
  const missing = (method: string) => new UsersError(`auth.backend '${backend.name}' cannot ${action} users (it has no ${method} method)`);
  switch (action) {
    case 'passwd':
      if (!backend.setPassword) throw missing('setPassword');
      return password().then((pw) => backend.setPassword!(id, pw));
    case 'disable':
    case 'enable':
      if (!backend.setUserEnabled) throw missing('setUserEnabled');
      return backend.setUserEnabled(id, action === 'enable');
    case 'delete':
      if (!backend.removeUser) throw missing('removeUser');
      return backend.removeUser(id);
  }
}

/** The backend of the config, without the login cache (each call goes to the store). */
function openBackendFor(file: string, io: CommandIO): AuthBackend {
  const config: FlatConfig = { ...loadConfigFile(file), 'auth.cache_ttl': 0 };
  const spec = config['auth.backend'];
  if (spec === undefined || spec === '') throw new ConfigError(`${file}: auth.backend is not set, so there are no users to manage`);
  if (spec === 'dummy') throw new ConfigError(`${file}: auth.backend = dummy keeps no users`);
  const sqluri = config['auth.sqluri'];
  if (spec === 'sql' && (sqluri === undefined || databaseIdentity(String(sqluri)) === undefined)) {
    throw new ConfigError(`${file}: auth.sqluri is an in-memory database, so users added here would be lost; set auth.sqluri`);
  }
  return createAuthBackend(config, { baseDir: dirname(file), warn: (message) => io.stderr.write(`services-core users: ${message}\n`) });
}

/** The new password: prompted twice on a terminal, else the first line of stdin; never empty. */
async function newPassword(io: CommandIO, name: string): Promise<string> {
  const password = await readPassword(io.stdin, `New password for ${name}`, { prompt: io.stderr, confirm: true });
  if (password === '') throw new UsersError('the password is empty');
  return password;
}

/** One line: what failed, never a stack, never the password. */
function oneLine(err: unknown): string {
  const message = ((err as Error).message ?? String(err)).split('\n')[0];
  if (isBackendError(err)) return `the auth backend failed or is unreachable: ${message}`;
  if (err instanceof UsersError || err instanceof ConfigError || err instanceof PasswordInputError || isHttpError(err)) return message;
  return `${(err as Error).name ?? 'Error'}: ${message}`;
}
