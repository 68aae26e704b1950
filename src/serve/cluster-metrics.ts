import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { AggregatorRegistry as Aggregator } from 'prom-client';
import { type Scrape, closeScrapeListener, listenForScrapes } from '../app/observability/metrics-listener';
import { readMetricsSettings } from '../app/observability/operability-settings';
import type { SyncServerApp } from '../app/sync-server-app';
import type { FlatConfig } from '../config/types';
import { loadOptional } from '../util/load-optional';
import { type PrimaryMessage, type WorkerMessage, type WorkerMetrics, readPrimaryMessage, sendToPrimary, sendToWorker } from './cluster-messages';

/**
 * Metrics under `serve`: every scrape answers the sum over all workers. The primary holds no
 * metrics of its own; it asks each worker for its registry (as JSON) and adds them up with
 * prom-client's `AggregatorRegistry.aggregate`. With `metrics.port` the primary answers scrapes
 * on that port itself; without it, the worker a scrape reaches on the app port asks the primary.
 * The sum is over the workers of one generation (`scraped`): across a reload it starts again
 * from the new generation's counts, which Prometheus reads as one counter reset.
 */

type ToWorker = Extract<PrimaryMessage, { type: `metrics:${string}` }>;
type ToPrimary = Extract<WorkerMessage, { type: `metrics:${string}` }>;

const COLLECT_TIMEOUT_MS = 3000;
/** Scrapes one worker may have waiting on the primary; more are dropped (a worker asks once at a time). */
const MAX_WAITING_SCRAPES = 4;

interface Collection {
  waiting: Set<number>;
  replies: WorkerMetrics[];
  settle: (err?: Error) => void;
}

/** The primary's side: collects and sums the workers' metrics. */
export class ClusterMetrics {
  private readonly collections = new Map<number, Collection>();
  private nextId = 0;
  private server?: Server;
  /** The sum being collected for workers' scrapes: every scrape that comes meanwhile shares it. */
  private shared?: Promise<Scrape>;
  /** Scrapes waiting per worker id. */
  private readonly waiting = new Map<number, number>();

  private constructor(private readonly logger: Logger, private readonly scraped: () => Worker[]) {}

  /**
   * Starts answering when `metrics.enabled`; opens `metrics.port` when set. Undefined when metrics
   * are off. The primary hands it the workers' metrics messages (`receive`), checked.
   */
  static async start(config: FlatConfig, logger: Logger, scraped: () => Worker[]): Promise<ClusterMetrics | undefined> {
    const settings = readMetricsSettings(config);
    if (!settings.enabled) return undefined;
    const metrics = new ClusterMetrics(logger, scraped);
    cluster.on('exit', metrics.onExit);
    if (settings.port !== undefined) {
      try {
        metrics.server = await listenForScrapes(settings, () => metrics.sharedAggregate());
      } catch (err) {
        await metrics.close();
        throw err;
      }
      const { port } = metrics.server.address() as { port: number };
      logger.info({ metricsPort: port }, `metrics of all workers on http://${settings.host}:${port}${settings.path}`);
    }
    return metrics;
  }

  /** The sum of every live worker's metrics; fails when one does not answer in time. */
  aggregate(): Promise<Scrape> {
    const workers = this.scraped().filter((w) => w.isConnected());
    const id = this.nextId++;
    return new Promise<Scrape>((resolve, reject) => {
      const timer = setTimeout(() => collection.settle(new Error(`${collection.waiting.size} worker(s) did not answer within ${COLLECT_TIMEOUT_MS} ms`)), COLLECT_TIMEOUT_MS);
      const collection: Collection = {
        waiting: new Set(workers.map((w) => w.id)),
        replies: [],
        settle: (err) => {
          if (!this.collections.delete(id)) return;
          clearTimeout(timer);
          if (err) {
            reject(err);
            return;
          }
          // prom-client is loaded by the first scrape, not by every serve primary.
          const { AggregatorRegistry } = loadOptional<{ AggregatorRegistry: typeof Aggregator }>('prom-client', 'metrics.enabled');
          try {
            // The replies are checked, but a sum prom-client cannot make fails this scrape, not the primary.
            const registry = AggregatorRegistry.aggregate(collection.replies);
            registry.metrics().then((body) => resolve({ contentType: registry.contentType, body }), reject);
          } catch (err) {
            reject(err as Error);
          }
        },
      };
      this.collections.set(id, collection);
      for (const worker of workers) sendToWorker(worker, { type: 'metrics:collect', id } satisfies ToWorker);
      if (workers.length === 0) collection.settle();
    });
  }

  /** `aggregate()`, shared by every scrape that comes while it runs. */
  private sharedAggregate(): Promise<Scrape> {
    if (!this.shared) {
      const sum = this.aggregate();
      this.shared = sum;
      const done = () => {
        if (this.shared === sum) this.shared = undefined;
      };
      sum.then(done, done);
    }
    return this.shared;
  }

  /**
   * A worker's metrics message, already checked by the primary; says why when it is dropped.
   * Scrapes are coalesced: while one sum is being collected, later scrapes get that sum, so a
   * flood of them asks the other workers once, not once per message.
   */
  receive(worker: Worker, message: ToPrimary): string | undefined {
    if (message.type === 'metrics:scrape') {
      const waiting = this.waiting.get(worker.id) ?? 0;
      if (waiting >= MAX_WAITING_SCRAPES) return `${waiting} scrapes of it are already waiting`;
      this.waiting.set(worker.id, waiting + 1);
      const reply = (body: { scrape?: Scrape; error?: string }) => {
        const left = (this.waiting.get(worker.id) ?? 1) - 1;
        if (left > 0) this.waiting.set(worker.id, left);
        else this.waiting.delete(worker.id);
        sendToWorker(worker, { type: 'metrics:aggregate', id: message.id, ...body } satisfies ToWorker);
      };
      this.sharedAggregate().then((scrape) => reply({ scrape }), (err: Error) => reply({ error: err.message }));
      return undefined;
    }
    const collection = this.collections.get(message.id);
    if (!collection || !collection.waiting.delete(worker.id)) return undefined;
    if (message.error !== undefined || !message.metrics) {
      collection.settle(new Error(`worker ${worker.process.pid}: ${message.error ?? 'no metrics'}`));
      return undefined;
    }
    collection.replies.push(message.metrics);
    if (collection.waiting.size === 0) collection.settle();
    return undefined;
  }

  // A worker that dies mid-collection is left out rather than failing the scrape.
  private readonly onExit = (worker: Worker): void => {
    this.waiting.delete(worker.id);
    for (const collection of this.collections.values()) {
      if (collection.waiting.delete(worker.id) && collection.waiting.size === 0) collection.settle();
    }
  };

  async close(): Promise<void> {
    cluster.off('exit', this.onExit);
    for (const collection of [...this.collections.values()]) collection.settle(new Error('serve is stopping'));
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeScrapeListener(server);
    this.logger.debug('metrics listener closed');
  }
}

/**
 * The worker's side: answers the primary's collections with this app's registry, and makes the
 * app's scrapes (on the app port) ask the primary for the sum. Nothing when metrics are off.
 */
export function attachClusterMetrics(app: SyncServerApp): void {
  const metrics = app.metrics;
  if (!metrics || !process.send) return;
  const send = (message: ToPrimary) => void sendToPrimary(message);
  const scrapes = new Map<number, { resolve: (scrape: Scrape) => void; reject: (err: Error) => void }>();
  let nextId = 0;
  process.on('message', (value: unknown) => {
    const message = readPrimaryMessage(value);
    if (message?.type !== 'metrics:collect' && message?.type !== 'metrics:aggregate') return;
    if (message.type === 'metrics:collect') {
      metrics.registry.getMetricsAsJSON().then(
        (local) => send({ type: 'metrics:local', id: message.id, metrics: local }),
        (err: Error) => send({ type: 'metrics:local', id: message.id, error: err.message }));
      return;
    }
    const pending = scrapes.get(message.id);
    scrapes.delete(message.id);
    if (message.scrape) pending?.resolve(message.scrape);
    else pending?.reject(new Error(`metrics: ${message.error ?? 'no answer'}`));
  });
  // One request to the primary at a time: scrapes that come meanwhile share its answer.
  let inFlight: Promise<Scrape> | undefined;
  const ask = () => new Promise<Scrape>((resolve, reject) => {
    if (!process.connected) {
      reject(new Error('metrics: the serve primary is gone'));
      return;
    }
    const id = nextId++;
    scrapes.set(id, { resolve, reject });
    send({ type: 'metrics:scrape', id });
  });
  metrics.delegate(() => {
    if (!inFlight) {
      const asked = ask();
      inFlight = asked;
      const done = () => {
        if (inFlight === asked) inFlight = undefined;
      };
      asked.then(done, done);
    }
    return inFlight;
  });
}
