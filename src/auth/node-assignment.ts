import type { DataSource, EntitySchema } from 'typeorm';
import { typeorm } from '../data/load-typeorm';
import { BackendError } from '../util/errors';

// Storage nodes and their capacity (docs/compatibility.md D.7): the `available_nodes` table of
// the original's LDAP + SQL hybrid, shared by the LDAP backend and by SQL's `auth.assign_nodes`.

/** No node could be assigned to a user (legacy `NodeAttributionError`); answered as 503. */
export class NodeAttributionError extends BackendError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'NodeAttributionError';
  }
}

/** A storage node: its host (`node1.example.com`, `10.0.0.5:8000`), free assignments and load. */
export interface AvailableNodeRow {
  node: string;
  /** Users it may still take (its capacity left). */
  availableAssignments: number;
  /** Non-zero: out of service, never picked. */
  downed: number;
  backoff: number;
  /** Users it holds (its load). */
  actives: number;
}

/** The legacy table, column for column. */
export const availableNodesEntity = (): EntitySchema<AvailableNodeRow> => new (typeorm().EntitySchema)<AvailableNodeRow>({
  name: 'available_nodes',
  tableName: 'available_nodes',
  columns: {
    node: { type: 'varchar', length: 256, primary: true, default: '' },
    availableAssignments: { name: 'available_assignments', type: 'smallint' },
    downed: { type: 'smallint', default: 0 },
    backoff: { type: 'smallint', default: 0 },
    actives: { type: 'integer' },
  },
});

const nodes = (ds: DataSource) => ds.getRepository<AvailableNodeRow>('available_nodes');

/** The node a new user goes to: free assignments left, not down, fewest active users first (legacy ordering); null when none. */
export async function pickNode(ds: DataSource, skip: readonly string[] = []): Promise<string | null> {
  const query = nodes(ds).createQueryBuilder('n').where('n.availableAssignments > 0 AND n.downed = 0');
  if (skip.length > 0) query.andWhere('n.node NOT IN (:...skip)', { skip });
  const row = await query.orderBy('n.actives', 'ASC').addOrderBy('n.node', 'ASC').limit(1).getOne();
  return row?.node ?? null;
}

/**
 * Counts one more user on `node` (one assignment fewer, one more active); false when it had no
 * assignment left (taken meanwhile by another request), so two requests never take the last one.
 */
export async function claimNode(ds: DataSource, node: string): Promise<boolean> {
  const result = await nodes(ds).createQueryBuilder().update()
    .set({ availableAssignments: () => 'available_assignments - 1', actives: () => 'actives + 1' })
    .where('node = :node AND available_assignments > 0', { node })
    .execute();
  return (result.affected ?? 0) > 0;
}

/** Gives back an assignment claimed by `claimNode` (the user left, or another request assigned first). */
export async function releaseNode(ds: DataSource, node: string): Promise<void> {
  await nodes(ds).createQueryBuilder().update()
    .set({ availableAssignments: () => 'available_assignments + 1', actives: () => 'actives - 1' })
    .where('node = :node AND actives > 0', { node })
    .execute();
}

/** `<scheme>://<node>/`, the URL `getUserNode` answers. */
export function nodeUrl(scheme: string, node: string): string {
  return `${scheme}://${node}/`;
}
