import type { UserId } from '../../src/auth/backend';
import { RESET_CODE_TTL_MS, ResetCodes, newResetCode } from '../../src/auth/reset-code';
import { checkResetCode } from '../../src/util/validation';
import type { ResetCodeStore, StoredResetCode } from '../../src/auth/reset-code';

/** The reset_codes table of legacy ResetCodeManager, in memory. */
class MemoryStore implements ResetCodeStore {
  rows = new Map<string, StoredResetCode>();
  users = new Set(['1', '2']);

  async read(userId: UserId) { return this.rows.get(String(userId)) ?? null; }
  async write(userId: UserId, stored: StoredResetCode) {
    if (!this.users.has(String(userId))) return false;
    this.rows.set(String(userId), stored);
    return true;
  }
  async clear(userId: UserId) { return this.rows.delete(String(userId)); }
}

function setup() {
  const store = new MemoryStore();
  let now = Date.UTC(2011, 0, 1);
  const codes = new ResetCodes(store, () => now);
  return { store, codes, advance: (ms: number) => { now += ms; } };
}

describe('reset codes (docs/compatibility.md D.6)', () => {
  test('format: 4 groups of 4 from [A-Z0-9], checked at both ends', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = newResetCode();
      expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      expect(checkResetCode(code)).toBe(true);
      for (const c of code.replace(/-/g, '')) seen.add(c);
    }
    expect(seen.size).toBeGreaterThan(30); // digits and letters both drawn
    expect(checkResetCode('7QX2-P0A9-ZK3M-4B1C')).toBe(true);
    expect(checkResetCode('7QX2-P0A9-ZK3M-4B1CX')).toBe(false);
    expect(checkResetCode('x7QX2-P0A9-ZK3M-4B1C')).toBe(false);
    expect(checkResetCode('7qx2-p0a9-zk3m-4b1c')).toBe(false);
    expect(checkResetCode('BADCODE')).toBe(false);
  });

  test('generate twice → same code; overwrite → a new one; only the new one verifies; clear → none', async () => {
    const { codes } = setup();
    const first = await codes.generate(1);
    expect(await codes.generate(1)).toBe(first);
    const second = await codes.generate(1, true);
    expect(second).not.toBe(first);
    expect(await codes.verify(1, first)).toBe(false);
    expect(await codes.verify(1, second)).toBe(true);
    expect(await codes.clear(1)).toBe(true);
    expect(await codes.verify(1, first)).toBe(false);
    expect(await codes.verify(1, second)).toBe(false);
    expect(await codes.clear(1)).toBe(false);
  });

  test('codes are per user', async () => {
    const { codes } = setup();
    const one = await codes.generate(1);
    const two = await codes.generate('2');
    expect(await codes.verify(2, one)).toBe(one === two);
    expect(await codes.verify(1, one)).toBe(true);
  });

  test('a code lives 6 hours; an expired code is deleted when read, and generate makes a new one', async () => {
    const { codes, store, advance } = setup();
    const code = await codes.generate(1);
    advance(RESET_CODE_TTL_MS - 1);
    expect(await codes.verify(1, code)).toBe(true);
    advance(1);
    expect(await codes.verify(1, code)).toBe(false);
    expect(store.rows.size).toBe(0);
    const again = await codes.generate(1);
    advance(RESET_CODE_TTL_MS);
    expect(await codes.generate(1)).not.toBe(again);
  });

  test('a malformed code is refused without reading the store', async () => {
    const { codes, store } = setup();
    const code = await codes.generate(1);
    store.read = () => { throw new Error('must not be read'); };
    expect(await codes.verify(1, `${code} `)).toBe(false);
  });

  test('no such user: generate says so', async () => {
    const { codes } = setup();
    await expect(codes.generate(42)).rejects.toThrow(/no user with id 42/);
  });
});
