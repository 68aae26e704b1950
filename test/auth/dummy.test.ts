import { ConfigError } from '../../src/config/errors';
import { createAuthBackend } from '../../src/auth/registry';
import { DummyAuth } from '../../src/auth/dummy-auth';

const context = () => {
  const warnings: string[] = [];
  return { warnings, ctx: { config: {}, warn: (m: string) => warnings.push(m) } };
};

describe('DummyAuth (docs/compatibility.md D.4)', () => {
  test('refuses to start unless auth.allow_dummy = true (Q-D8)', () => {
    expect(() => createAuthBackend({ 'auth.backend': 'dummy' })).toThrow(ConfigError);
    expect(() => createAuthBackend({ 'auth.backend': 'dummy', 'auth.allow_dummy': 'true' })).toThrow(/auth.allow_dummy = true/);
  });

  test('says loudly that it accepts any password', () => {
    const { warnings, ctx } = context();
    new DummyAuth({ allow_dummy: true }, ctx);
    expect(warnings).toEqual([expect.stringMatching(/ANY PASSWORD IS ACCEPTED.*production/)]);
  });

  test('an unknown name is created on the fly; the same name keeps its id', async () => {
    const auth = new DummyAuth({ allow_dummy: true });
    const tarek = await auth.authenticateUser('tarek', 'whatever');
    expect(tarek).not.toBeNull();
    expect(await auth.authenticateUser('tarek', 'other')).toBe(tarek);
    expect(await auth.authenticateUser('tarek2', 'x')).not.toBe(tarek);
    expect(await auth.getUserId('tarek')).toBe(tarek);
  });

  test('a user created with createUser must give its password', async () => {
    const auth = new DummyAuth({ allow_dummy: true });
    expect(await auth.createUser('alice', 'secret-1', 'alice@example.com')).toBe(true);
    expect(await auth.createUser('alice', 'again', 'a@example.com')).toBe(false);
    const id = await auth.getUserId('alice');
    expect(await auth.authenticateUser('alice', 'wrong')).toBeNull();
    expect(await auth.authenticateUser('alice', 'secret-1')).toBe(id);
    expect(await auth.getUserInfo(id!)).toEqual({ username: 'alice', email: 'alice@example.com' });
  });

  test('a password change needs the old password or a valid reset code (Q-D1, Q-D7)', async () => {
    const auth = new DummyAuth({ allow_dummy: true });
    await auth.createUser('bob', 'old-secret', 'bob@example.com');
    const id = (await auth.getUserId('bob'))!;
    expect(await auth.updatePassword(id, 'new-secret', {})).toBe(false);
    expect(await auth.updatePassword(id, 'new-secret', { oldPassword: 'nope' })).toBe(false);
    expect(await auth.updatePassword(id, 'new-secret', { oldPassword: 'old-secret' })).toBe(true);
    expect(await auth.authenticateUser('bob', 'new-secret')).toBe(id);

    const code = await auth.generateResetCode(id);
    expect(code).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4}){3}$/);
    expect(await auth.generateResetCode(id)).toBe(code);
    expect(await auth.updatePassword(id, 'third', { key: 'AAAA-AAAA-AAAA-AAAA' })).toBe(false);
    expect(await auth.updatePassword(id, 'third', { key: code })).toBe(true);
    expect(await auth.verifyResetCode(id, code)).toBe(false);
  });

  test('delete checks the password when given', async () => {
    const auth = new DummyAuth({ allow_dummy: true });
    await auth.createUser('carol', 'pw-carol-1', 'c@example.com');
    const id = (await auth.getUserId('carol'))!;
    expect(await auth.deleteUser(id, 'wrong')).toBe(false);
    expect(await auth.deleteUser(id, 'pw-carol-1')).toBe(true);
    expect(await auth.getUserId('carol')).toBeNull();
  });
});
