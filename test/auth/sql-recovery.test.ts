import { isBackendError } from '../../src/app/responses/errors';
import { SQLAuth } from '../../src/auth/sql/sql-auth';
import { describeWithBinaries } from '../services/describe-service';
import { type OwnPostgres, ownPostgres } from '../services/own-postgres';

describeWithBinaries('pg', 'SQLAuth survives its database going away', () => {
  let pg: OwnPostgres;
  let port: number;
  let uri: string;
  const start = () => pg.start();
  const stop = () => pg.stop();

  beforeAll(async () => {
    pg = await ownPostgres('sc-pg-recovery-');
    ({ port, uri } = pg);
  }, 60_000);

  afterAll(() => pg.remove());

  test('requests fail with BackendError while it is down and work again when it is back', async () => {
    const auth = new SQLAuth({ sqluri: uri, pool_size: 2, password_scheme: 'ssha-256' });
    await auth.open();
    expect(await auth.createUser('tarek', 'tarek', 'a@x')).toBe(true);
    const id = await auth.authenticateUser('tarek', 'tarek');
    expect(id).not.toBeNull();

    stop();
    const down = await auth.authenticateUser('tarek', 'tarek').catch((e: unknown) => e);
    expect(isBackendError(down)).toBe(true);
    expect((down as Error).message).toContain(`postgresql://postgres:***@127.0.0.1:${port}/postgres`);
    expect((down as Error).message).not.toContain('not-so-secret');
    await expect(auth.checkHealth()).rejects.toThrow(/SQLAuth.checkHealth failed/);

    start();
    expect(await auth.authenticateUser('tarek', 'tarek')).toBe(id);
    await auth.checkHealth();
    await auth.close();
  }, 60_000);

  test('down at start: open() is a clear BackendError, and the backend connects once it is up', async () => {
    stop();
    const auth = new SQLAuth({ sqluri: uri, password_scheme: 'ssha-256' });
    const err = await auth.open().catch((e: unknown) => e);
    expect(isBackendError(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^cannot open SQL database postgresql://postgres:\\*\\*\\*@127.0.0.1:${port}/postgres: `));
    expect((err as Error).message).not.toContain('not-so-secret');

    start();
    expect(await auth.authenticateUser('tarek', 'tarek')).not.toBeNull();
    await auth.close();
  }, 60_000);
});
