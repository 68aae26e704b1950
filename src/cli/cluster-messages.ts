/** Primary → worker. */
export type PrimaryMessage = { cmd: 'shutdown' } | { cmd: 'reopen' };

/** Worker → primary. */
export type WorkerMessage = { type: 'ready'; host: string; port: number } | { type: 'failed'; error: string };

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  const type = (value as { type?: unknown } | null)?.type;
  return type === 'ready' || type === 'failed';
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  const cmd = (value as { cmd?: unknown } | null)?.cmd;
  return cmd === 'shutdown' || cmd === 'reopen';
}
