import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CefLogger } from '../../src/cef';
import { freePort } from '../support/free-port';
import { waitFor } from '../support/wait-for';

const HEADER = { 'cef.vendor': 'mozilla', 'cef.version': 0, 'cef.product': 'health', 'cef.device_version': '1' };
const environ = { REQUEST_METHOD: 'GET', PATH_INFO: '/', HTTP_HOST: 'h', REMOTE_ADDR: '127.0.0.1' };

const until = (probe: () => boolean) => waitFor(probe, { timeoutMs: 5000, intervalMs: 20 });

describe('CEF sink health and counts (heartbeat, metrics)', () => {
  test('a file sink is healthy until closed; events written are counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cef-health-'));
    const cef = new CefLogger({ ...HEADER, 'cef.file': join(dir, 'cef.log') }, { warn: () => undefined });
    cef.log('a', 5, environ);
    cef.log('b', 5, environ);
    expect(cef.written).toBe(2);
    expect(cef.health()).toEqual({ ok: true });
    await cef.close();
    expect(cef.health()).toMatchObject({ ok: false, detail: expect.stringContaining('closed') });
    rmSync(dir, { recursive: true, force: true });
    expect(new CefLogger({}).health()).toBeNull();
  });

  test('a network sink whose peer is down is unhealthy and counts what its full queue dropped', async () => {
    const port = await freePort();
    const warnings: string[] = [];
    const cef = new CefLogger({ ...HEADER, 'cef.file': `tcp://127.0.0.1:${port}`, 'cef.queue_size': 2, 'cef.flush_timeout': 50 },
      { warn: (m) => void warnings.push(m) });
    await until(() => cef.health()?.ok === false);
    expect(cef.health()?.detail).toMatch(/is down/);
    for (let i = 0; i < 5; i++) cef.log('e', 5, environ);
    expect(cef.sink?.dropped).toBe(3);
    await cef.close();
  });
});
