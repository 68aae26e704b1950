/**
 * Runs the hello sample:  npx ts-node samples/hello/server.ts [config] [port]
 * (default: samples/hello/hello.conf on 127.0.0.1:8000). Ctrl-C stops it gracefully.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AppOptions } from '../../src';
import { HelloApp } from './hello-app';

export const DEFAULT_CONFIG = path.join(__dirname, 'hello.conf');

/** Loads the config and listens; the caller closes the app. */
export async function start(configPath = DEFAULT_CONFIG, port = 8000, host = '127.0.0.1', options: AppOptions = {}):
  Promise<{ app: HelloApp; server: Server }> {
  const app = await HelloApp.fromConfigFile(configPath, options);
  return { app, server: await app.listen(port, host) };
}

async function main(): Promise<void> {
  const { app, server } = await start(process.argv[2] ?? DEFAULT_CONFIG, Number(process.argv[3] ?? 8000));
  const { port } = server.address() as AddressInfo;
  app.logger.info(`hello sample on http://127.0.0.1:${port} (try /hello/you and /__heartbeat__)`);
  const stop = () => {
    app.close().then(() => process.exit(0), (err: unknown) => {
      app.logger.error({ err }, 'close failed');
      process.exit(1);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
