import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployment, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';

// A worker's plan holds every config value, secrets included: it comes over the IPC channel, not
// through the environment, which `ps eww` shows to the host's users and every child process inherits.

const SECRETS = ['tok-8c1f0e2d-secret', 'pw-5b7a9d3e-secret'];

describe('serve: no config secret in a worker\'s environment', () => {
  let serve: ServeProcess | undefined;
  afterEach(() => stopServe(serve));

  test('/proc/<worker>/environ holds no value of the plan, before and after a reload', async () => {
    const { dir, ini } = deployment('host = 127.0.0.1\nport = 0\nworkers = 1', '');
    writeFileSync(join(dir, 'app.conf'), `${readFileSync(join(dir, 'app.conf'), 'utf8')}\n[myapp]\napi_token = ${SECRETS[0]}\n` +
      `db = postgresql://sync:${SECRETS[1]}@db.example.com/sync\n`);
    serve = startServe([ini]);
    const port = await listeningPort(serve);
    expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);

    const environOf = (pid: string) => readFileSync(`/proc/${pid}/environ`, 'utf8');
    const [, first] = await serve.waitFor(/worker (\d+) ready/);
    const environ = environOf(first);
    expect(environ).toContain('NODE_UNIQUE_ID='); // it is the worker's, read while it runs
    for (const secret of SECRETS) expect(environ).not.toContain(secret);
    expect(environ).not.toContain('SERVICES_CORE_SERVE_PLAN');

    // A reload's workers get their checked plan the same way.
    serve.child.kill('SIGHUP');
    const [, second] = await serve.waitFor(/generation 2 serving/).then(() => serve!.waitFor(/"generation":2,"msg":"worker (\d+) ready"/));
    expect(second).not.toBe(first);
    const reloaded = environOf(second);
    for (const secret of SECRETS) expect(reloaded).not.toContain(secret);
    expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
  }, 180_000);
});
