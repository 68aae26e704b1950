/**
 * The stacks services-core is measured against (issue 30's columns), both serving
 * `GET /hello/:name` and `GET /:username/info` behind HTTP Basic:
 *   - `koa`: bare Koa + @koa/router, Basic reduced to comparing the header with the one expected;
 *   - `hand-built`: what an engineer would write without the framework: Koa + @koa/router +
 *     TypeORM on better-sqlite3 (the legacy `users` table) + argon2id, a `Map` of the
 *     Authorization headers already verified (so a password change is NOT seen until restart,
 *     and there is no throttling and no CEF: the guarantees services-core adds).
 * TypeORM and argon2 load only in the hand-built stack, so bare Koa's start-up does not pay for them.
 *
 * In-process: `koaStack(...)` / `handBuiltStack(...)`, then `.listen()`. As a deployment starts it
 * (compiled to JavaScript): `node hand-built-stack.js <koa|hand-built> <port> [users.db]`.
 */
import { join } from 'node:path';
import { Router } from '@koa/router';
import Koa from 'koa';

export const BASIC_USER = 'alice';
const BASIC_PASSWORD = 'alice-password';
/** The Authorization header of every Basic request of the benches. */
export const BASIC = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;

/** A SQLite users file in `dir` with alice (argon2id), written by services-core's own SQL backend: its path. */
export async function seedUsers(dir: string): Promise<string> {
  const file = join(dir, 'users.db');
  const writer = (await import('../../src')).createAuthBackend({ 'auth.backend': 'sql', 'auth.sqluri': `sqlite:///${file}`, 'auth.password_scheme': 'argon2id', 'auth.cache_ttl': 0 });
  await writer.createUser(BASIC_USER, BASIC_PASSWORD, `${BASIC_USER}@example.com`);
  await writer.close();
  return file;
}

/** A router with `fillers` (routes tried before hello, each answering its params) and the hello route. */
function helloRouter(fillers: readonly string[]): Router {
  const router = new Router();
  for (const path of fillers) router.get(path, (ctx) => {
    ctx.body = ctx.params;
  });
  router.get('/hello/:name', (ctx) => {
    ctx.body = { hello: ctx.params.name };
  });
  return router;
}

function unauthorized(ctx: Koa.Context): void {
  ctx.status = 401;
  ctx.set('WWW-Authenticate', 'Basic realm="Sync"');
}

function app(router: Router): Koa {
  const koa = new Koa();
  koa.use(router.routes());
  koa.use(router.allowedMethods());
  return koa;
}

/** Bare Koa + @koa/router; its Basic route compares the header with {@link BASIC}. */
export function koaStack(fillers: readonly string[] = []): Koa {
  const router = helloRouter(fillers);
  router.get('/:username/info', (ctx) => {
    if (ctx.get('authorization') !== BASIC || ctx.params.username !== BASIC_USER) return unauthorized(ctx);
    ctx.body = { user: BASIC_USER };
  });
  return app(router);
}

interface UserRow { id: number; username: string; passwordHash: string | null; status: number | null }

/** The hand-built stack on the SQLite file `database`, its data source open. */
export async function handBuiltStack(database: string, fillers: readonly string[] = []): Promise<Koa> {
  const { DataSource, EntitySchema } = await import('typeorm');
  const argon2 = await import('@node-rs/argon2');
  const entity = new EntitySchema<UserRow>({
    name: 'users',
    columns: {
      id: { type: 'integer', primary: true },
      username: { type: 'varchar' },
      passwordHash: { name: 'password_hash', type: 'varchar', nullable: true },
      status: { type: 'integer', nullable: true },
    },
  });
  const source = new DataSource({ type: 'better-sqlite3', database, entities: [entity] });
  await source.initialize();
  const users = source.getRepository(entity);
  // Header → user name; cleared when full, so a client cannot grow it without bound.
  const logins = new Map<string, string>();
  const router = helloRouter(fillers);
  router.get('/:username/info', async (ctx) => {
    const header = ctx.get('authorization');
    let user = logins.get(header);
    if (user === undefined && header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const row = colon > 0 ? await users.findOneBy({ username: decoded.slice(0, colon) }) : null;
      if (row?.status === 1 && row.passwordHash && await argon2.verify(row.passwordHash, decoded.slice(colon + 1))) {
        if (logins.size >= 10_000) logins.clear();
        logins.set(header, user = row.username);
      }
    }
    if (user === undefined || user !== ctx.params.username) return unauthorized(ctx);
    ctx.body = { user };
  });
  return app(router);
}

async function main([kind, port, database]: string[]): Promise<void> {
  const koa = kind === 'hand-built' ? await handBuiltStack(database) : koaStack();
  koa.listen(Number(port), '127.0.0.1');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
