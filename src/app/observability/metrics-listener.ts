import { type Server, createServer } from 'node:http';
import type { MetricsSettings } from './operability-settings';

// Apart from metrics.ts so that the serve primary can listen without loading prom-client.

/** One scrape's answer. */
export interface Scrape {
  contentType: string;
  body: string;
}

/** A plain HTTP listener answering GET `path` with `scrape()`, 404 elsewhere; for `metrics.port`. */
export async function listenForScrapes(settings: Pick<MetricsSettings, 'host' | 'port' | 'path'>, scrape: () => Promise<Scrape>): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== settings.path || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    scrape().then(({ contentType, body }) => {
      res.writeHead(200, { 'Content-Type': contentType }).end(req.method === 'HEAD' ? undefined : body);
    }, (err: unknown) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`metrics unavailable: ${(err as Error).message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: Error) => {
    throw new Error(`metrics: cannot listen on ${settings.host}:${settings.port}: ${err.message}`, { cause: err });
  });
  // Keep-alive scrapers must not hold a closing process.
  server.keepAliveTimeout = 1000;
  return server;
}

/** Stops a scrape listener: a scrape in progress is cut (a scraper retries), so a stop never waits on one. */
export function closeScrapeListener(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
