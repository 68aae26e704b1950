import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployment, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';

const HOOK_APP = join(__dirname, '../app/fixtures/hook-app.ts');

describe('serve: the app\'s start and close hooks', () => {
  let serve: ServeProcess | undefined;
  afterEach(() => stopServe(serve));

  test('each worker runs onStart before it serves and onClose when SIGTERM drains it, in reverse order', async () => {
    const { dir, ini } = deployment('host = 127.0.0.1\nport = 0\nworkers = 1', '', `${HOOK_APP}#HookApp`);
    const file = join(dir, 'hooks.log');
    writeFileSync(join(dir, 'app.conf'), `${readFileSync(join(dir, 'app.conf'), 'utf8')}\n[hooks]\nfile = ${file}\n`);
    serve = startServe([ini]);
    const port = await listeningPort(serve);
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('hello');
    const started = readFileSync(file, 'utf8').trim().split('\n');
    const pid = started[0].split(' ')[0];
    expect(started).toEqual([`${pid} onStart (lifecycle starting)`, `${pid} added onStart`]);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toEqual([
      ...started, `${pid} added onClose`, `${pid} onClose (lifecycle draining)`,
    ]);
  }, 60_000);
});
