/**
 * What `auth.check_node` costs a storage node: CPU per authenticated request of the same app
 * with the check off and on, both on one SQLite users database (SQLAuth with
 * `auth.assign_nodes`, the login cache on, as a storage node runs), in ONE process: small
 * batches alternate between the two servers so that both see the same load on a busy shared
 * machine. The load generator is a raw socket pipelining `depth` keep-alive requests (as
 * bench/hello-ab.ts); the figures include its (small, equal) share. Prints medians and the ratio.
 *
 *   npx ts-node --transpile-only bench/check-node.ts [--rounds 20] [--requests 1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SQLAuth, SyncServerApp, authenticated, route, type AppContext } from '../src';
import { median, numberOption as option } from './support/bench-args';
import { pipelinedBatch } from './support/pipelined-batch';

const CEF = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'bench', 'cef.device_version': '1', 'cef.file': '/dev/null' };
const NODE = 'node1.example.com';
const AUTH = `Basic ${Buffer.from('bench:bench password 1').toString('base64')}`;
const REQ = `GET /1.1/bench/info HTTP/1.1\r\nHost: ${NODE}\r\nAuthorization: ${AUTH}\r\n\r\n`;

class StorageApp extends SyncServerApp {
  @route('GET', '/1.1/:username/info')
  @authenticated
  info(ctx: AppContext) {
    return { user: ctx.state.user!.name };
  }
}

/** n logins, pipelined on one keep-alive connection; the CPU µs per request. */
const batch = (port: number, n: number): Promise<number> => pipelinedBatch(port, Array<string>(n).fill(REQ));

async function main(): Promise<void> {
  const rounds = option('rounds', 20);
  const n = option('requests', 1000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-check-node-'));
  const params = { sqluri: `sqlite:///${join(dir, 'users.db')}`, assign_nodes: true };
  // As a storage node is configured: the backend behind its login cache.
  const config = { 'auth.backend': 'sql', 'auth.sqluri': params.sqluri, 'auth.assign_nodes': true };
  try {
    const setup = new SQLAuth(params);
    await setup.open();
    await setup.createUser('bench', 'bench password 1', 'bench@example.com');
    await setup.connection.run('bench', (ds) => ds.query(
      `INSERT INTO available_nodes (node, available_assignments, downed, backoff, actives) VALUES ('${NODE}', 10, 0, 0, 0)`));
    await setup.getUserNode((await setup.getUserId('bench'))!);
    await setup.close();
    const logger = pino({ name: 'syncserver', level: 'warn' }, process.stderr);
    const serve = (checkNode: boolean): Promise<Server> =>
      new StorageApp({ ...CEF, ...config, 'auth.check_node': checkNode }, { logger }).listen(0, '127.0.0.1');
    const servers = { off: await serve(false), on: await serve(true) };
    const kinds = ['off', 'on'] as const;
    const port = (s: Server) => (s.address() as { port: number }).port;
    for (const s of Object.values(servers)) await batch(port(s), n * 2); // warm-up
    const res = { off: [] as number[], on: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 ? [...kinds].reverse() : kinds;
      for (const k of order) res[k].push(await batch(port(servers[k]), n));
    }
    console.log(`${rounds} alternating rounds of ${n} pipelined Basic-auth requests (login cache on), one process (server + raw socket client CPU), node ${process.version}`);
    for (const k of kinds) console.log(`auth.check_node = ${k.padEnd(3)}  ${median(res[k]).toFixed(1).padStart(7)} µs/req`);
    console.log(`on/off: ${(median(res.on) / median(res.off)).toFixed(3)} (median of per-round ratios ${median(res.on.map((x, i) => x / res.off[i])).toFixed(3)})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
