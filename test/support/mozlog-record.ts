import { MOZLOG_FIELDS } from '../../src/app/observability/mozlog';

/** Checks one line against the MozLog envelope (EnvVersion 2.0) and returns it parsed. */
export function mozlogRecord(line: string): Record<string, unknown> & { Fields: Record<string, unknown> } {
  // The nanosecond timestamp is past 2^53: check its digits before JSON.parse rounds it.
  const ns = /^\{"Timestamp":(\d{19}),/.exec(line);
  expect(ns).not.toBeNull();
  expect(Math.abs(Number(BigInt(ns![1]) / 1_000_000n) - Date.now())).toBeLessThan(60_000);
  const record = JSON.parse(line) as Record<string, unknown> & { Fields: Record<string, unknown> };
  expect(Object.keys(record)).toEqual([...MOZLOG_FIELDS]);
  expect(record).toMatchObject({ Type: expect.any(String), Logger: 'syncserver', Hostname: expect.any(String), EnvVersion: '2.0', Pid: expect.any(Number) });
  expect([0, 1, 2, 3, 4, 5, 6, 7]).toContain(record.Severity);
  expect(typeof record.Fields).toBe('object');
  return record;
}
