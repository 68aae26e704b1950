import { connect } from 'node:net';

/**
 * Sends `requests` (raw HTTP/1.1 texts), `depth` pipelined at a time on one keep-alive
 * connection, and resolves with the CPU µs of this process per request (server and raw client:
 * the client's share is small and equal for every case). Every answer must have `status`.
 */
export function pipelinedBatch(port: number, requests: readonly string[], { status = 200, depth = 32 } = {}): Promise<number> {
  const expected = String(status);
  const n = requests.length;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let sent = 0;
    let got = 0;
    let tail = '';
    let start: NodeJS.CpuUsage;
    const send = () => {
      const k = Math.min(depth, n - sent);
      socket.write(requests.slice(sent, sent + k).join(''));
      sent += k;
    };
    socket.on('connect', () => {
      start = process.cpuUsage();
      send();
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const text = tail + chunk;
      let at = text.indexOf('HTTP/1.1 ');
      while (at !== -1 && at + 12 <= text.length) {
        if (text.slice(at + 9, at + 12) !== expected) {
          socket.destroy();
          reject(new Error(`answer ${got + 1} was not a ${expected}: ${text.slice(at, at + 200)}`));
          return;
        }
        got++;
        at = text.indexOf('HTTP/1.1 ', at + 12);
      }
      tail = at === -1 ? text.slice(-11) : text.slice(at);
      if (got === n) {
        const used = process.cpuUsage(start);
        socket.destroy();
        resolve((used.user + used.system) / n);
      } else if (got === sent) send();
    });
    socket.on('error', reject);
  });
}
