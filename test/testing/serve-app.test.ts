import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../../src/testing';
import { deployment } from '../e2e/fixtures/serve-process';

describe('serveApp (services-core/testing)', () => {
  let served: ServedApp | undefined;
  afterEach(async () => {
    await served?.stop();
    served = undefined;
  });

  test('serves a deployment file with its workers on a free port, and stops it with exit 0', async () => {
    const { ini } = deployment('host = 127.0.0.1\nport = 1', '[global]\ngraceful_shutdown_interval = 0\n');
    served = await serveApp(ini, { workers: 2 });
    expect(served.url).toBe(`http://127.0.0.1:${served.port}`);
    expect(served.port).not.toBe(1); // --port 0 overrides the file's
    expect((await fetch(`${served.url}/hello`)).status).toBe(200);
    // Resolved once every worker is ready, not at the first.
    expect(served.output()).toMatch(/worker \d+ ready[^]*worker \d+ ready[^]*listening on/);
    expect(await served.stop()).toEqual({ code: 0, signal: null });
    expect(served.child.exitCode).toBe(0);
  }, 120_000);

  test('a start that fails rejects with what serve said', async () => {
    const { dir, ini } = deployment('host = 127.0.0.1', '');
    writeFileSync(join(dir, 'app.conf'), '[global]\nretry_afer = 10\n');
    const started = serveApp(ini);
    await expect(started).rejects.toThrow(/exited before[^]*`retry_afer`: unknown key in \[global\]; did you mean `retry_after`\?/);
  }, 60_000);

  test('waitFor rejects when the pattern does not come in time', async () => {
    const { ini } = deployment('host = 127.0.0.1', '[global]\ngraceful_shutdown_interval = 0\n');
    served = await serveApp(ini, { workers: 1 });
    await expect(served.waitFor(/never printed/, 200)).rejects.toThrow(/no \/never printed\/ from services-core serve within 200 ms/);
  }, 60_000);
});
