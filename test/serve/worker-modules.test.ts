import { join } from 'node:path';
import { deployment, listeningPort, startServe, stopServe, type ServeProcess } from '../e2e/fixtures/serve-process';

// A worker starts its app without the modules only the primary runs (the deployment check,
// the supervision of workers): each costs every worker's start.

describe('serve: a worker loads what it runs', () => {
  let serve: ServeProcess | undefined;
  afterEach(() => stopServe(serve));

  test('no deployment check or supervision module in a worker', async () => {
    const { ini } = deployment('host = 127.0.0.1\nport = 0\nworkers = 1', '', `${join(__dirname, 'fixtures/modules-app.ts')}#ModulesApp`);
    serve = startServe([ini]);
    const port = await listeningPort(serve);
    const res = await fetch(`http://127.0.0.1:${port}/primary-modules`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ loaded: [] });
  }, 120_000);
});
