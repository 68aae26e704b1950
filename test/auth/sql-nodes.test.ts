/**
 * SQLAuth's storage nodes (`auth.assign_nodes`): the `available_nodes` table of the original's
 * hybrid (capacity and load), a user's node in `user_nodes`, the least loaded node for a new
 * user, and no over-assignment when requests race. SQLite, PostgreSQL and MariaDB.
 */
import { NodeAttributionError } from '../../src/auth/node-assignment';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import type { FlatConfig } from '../../src/config/types';
import { describeService } from '../services/describe-service';
import { serverDatabase, sqliteDatabase } from './sql-databases';
import type { TestDatabase } from './sql-databases';

interface NodeRow { node: string; available_assignments: number; actives: number }

function nodeSuite(makeDatabase: () => Promise<TestDatabase>): void {
  let db: TestDatabase;
  const opened: SQLAuth[] = [];

  async function backend(params: FlatConfig = {}): Promise<SQLAuth> {
    const auth = new SQLAuth({ sqluri: db.uri, assign_nodes: true, ...params }, { config: {}, warn: () => undefined });
    opened.push(auth);
    await auth.open();
    return auth;
  }

  async function user(auth: SQLAuth, name: string): Promise<number> {
    expect(await auth.createUser(name, 'password 1234', `${name}@example.com`)).toBe(true);
    return Number(await auth.getUserId(name));
  }

  async function nodes(): Promise<Record<string, [number, number]>> {
    const rows = await db.query<NodeRow>('SELECT node, available_assignments, actives FROM available_nodes ORDER BY node');
    return Object.fromEntries(rows.map((r) => [r.node, [Number(r.available_assignments), Number(r.actives)]]));
  }

  async function addNodes(rows: Array<[string, number, number, number?]>): Promise<void> {
    for (const [node, available, actives, downed = 0] of rows) {
      await db.query('INSERT INTO available_nodes (node, available_assignments, downed, backoff, actives) VALUES (?, ?, ?, 0, ?)',
        [node, available, downed, actives]);
    }
  }

  beforeAll(async () => { db = await makeDatabase(); });
  afterAll(async () => { await db.drop(); });
  beforeEach(async () => {
    for (const table of ['user_nodes', 'available_nodes', 'users']) await db.query(`DROP TABLE IF EXISTS ${table}`);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((auth) => auth.close()));
  });

  test('the least loaded node with assignments left, kept; the legacy vector (docs/compatibility.md D.7)', async () => {
    const auth = await backend();
    await addNodes([['node1', 10, 101], ['node2', 0, 100], ['node3', 1, 89]]);
    const first = await user(auth, 'first');
    const second = await user(auth, 'second');
    expect(await auth.getUserNode(first)).toBe('https://node3/');
    expect(await auth.getUserNode(first)).toBe('https://node3/');
    expect(await auth.getUserNode(first, false)).toBe('https://node3/');
    expect(await auth.getUserNode(second, false)).toBeNull();
    expect(await auth.getUserNode(second)).toBe('https://node1/');
    expect(await nodes()).toEqual({ node1: [9, 102], node2: [0, 100], node3: [0, 90] });
  });

  test('a downed node is never picked; none left is NodeAttributionError (503); nodes_scheme', async () => {
    const auth = await backend({ nodes_scheme: 'http' });
    await addNodes([['down.example', 50, 0, 1], ['up.example:8001', 1, 0]]);
    expect(await auth.getUserNode(await user(auth, 'a'))).toBe('http://up.example:8001/');
    const b = await user(auth, 'b');
    await expect(auth.getUserNode(b)).rejects.toBeInstanceOf(NodeAttributionError);
    expect(await auth.getUserNode(b, false)).toBeNull();
  });

  test('an unknown user gets no node and takes no assignment', async () => {
    const auth = await backend();
    await addNodes([['n', 5, 0]]);
    expect(await auth.getUserNode(999_999)).toBeNull();
    expect(await auth.getUserNode('not-an-id')).toBeNull();
    expect(await nodes()).toEqual({ n: [5, 0] });
  });

  test('racing requests of many users through two pools: one node each, never more users than assignments', async () => {
    const auth = await backend();
    const other = await backend();
    await addNodes([['a', 3, 0], ['b', 4, 0]]);
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await user(auth, `racer${i}`));
    // Each user asked three times at once, half of them through each pool (as two processes would).
    const asked = ids.flatMap((id, i) => [0, 1, 2].map(() => ({ id, answer: (i % 2 ? other : auth).getUserNode(id) })));
    const answers = await Promise.allSettled(asked.map((a) => a.answer));
    const byUser = new Map<number, Set<string>>();
    answers.forEach((answer, i) => {
      const { id } = asked[i];
      if (answer.status === 'rejected') expect(answer.reason).toBeInstanceOf(NodeAttributionError);
      else byUser.set(id, (byUser.get(id) ?? new Set()).add(answer.value!));
    });
    for (const values of byUser.values()) expect(values.size).toBe(1);
    expect(byUser.size).toBe(7);
    const rows = await db.query<{ node: string; n: number }>('SELECT node, COUNT(*) AS n FROM user_nodes GROUP BY node ORDER BY node');
    expect(rows.map((r) => [r.node, Number(r.n)])).toEqual([['a', 3], ['b', 4]]);
    expect(await nodes()).toEqual({ a: [0, 3], b: [0, 4] });
    // A user asked through both pools at once, with room left: one node.
    await addNodes([['c', 100, 0]]);
    const late = await user(auth, 'late');
    const both = await Promise.all([auth.getUserNode(late), other.getUserNode(late), auth.getUserNode(late), other.getUserNode(late)]);
    expect(new Set(both)).toEqual(new Set(['https://c/']));
    expect(await nodes()).toMatchObject({ c: [99, 1] });
  }, 30_000);

  test('deleting a user frees its assignment', async () => {
    const auth = await backend();
    await addNodes([['n', 1, 0]]);
    const id = await user(auth, 'leaving');
    expect(await auth.getUserNode(id)).toBe('https://n/');
    expect(await nodes()).toEqual({ n: [0, 1] });
    expect(await auth.deleteUser(id, 'password 1234')).toBe(true);
    expect(await nodes()).toEqual({ n: [1, 0] });
    expect(await auth.getUserNode(await user(auth, 'next'))).toBe('https://n/');
  });

  test('without auth.assign_nodes: null and no node tables', async () => {
    const auth = await backend({ assign_nodes: false });
    expect(await auth.getUserNode(await user(auth, 'plain'))).toBeNull();
    await expect(db.query('SELECT * FROM user_nodes')).rejects.toThrow();
  });
}

describe('SQLAuth nodes on SQLite', () => nodeSuite(sqliteDatabase));
describeService('pg', 'SQLAuth nodes on PostgreSQL', () => nodeSuite(() => serverDatabase('postgres')));
describeService('maria', 'SQLAuth nodes on MariaDB', () => nodeSuite(() => serverDatabase('mysql')));
