import { createLogger } from '../../src/app/observability/logger';
import { REDACTED } from '../../src/app/observability/log-redaction';

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const logger = createLogger({ 'global.log_level': 'debug' }, { write: (line: string) => lines.push(line) });
  return { lines, logger };
}

describe('log redaction', () => {
  const secret = 'hunter2-secret';

  test('a parse error keeps its code but not its raw packet, at any depth', () => {
    const { lines, logger } = capture();
    const parse = Object.assign(new Error('Parse Error: Invalid character in chunk size'), {
      code: 'HPE_INVALID_CHUNK_SIZE', rawPacket: Buffer.from(`POST / HTTP/1.1\r\nAuthorization: Basic ${secret}\r\n\r\n`),
    });
    logger.error({ err: parse }, 'response failed');
    logger.error({ err: new AggregateError([parse], 'many') }, 'many failed');
    logger.child({ requestId: 'x' }).error({ error: { nested: parse } }, 'nested');
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).not.toContain(Buffer.from(secret).toString('hex').slice(0, 12));
    const first = JSON.parse(lines[0]) as { err: Record<string, unknown> };
    expect(first.err).toMatchObject({ code: 'HPE_INVALID_CHUNK_SIZE', rawPacket: REDACTED });
  });

  test('headers, cookies and password fields are redacted wherever they are logged', () => {
    const { lines, logger } = capture();
    logger.info({ headers: { Authorization: `Basic ${secret}`, cookie: secret, 'Proxy-Authorization': secret, host: 'h' } }, 'h');
    logger.info({ req: { headers: { authorization: secret } }, password: secret, user: { password: secret, name: 'u' } }, 'r');
    logger.warn({ err: Object.assign(new Error('bad'), { body: { password: secret }, headers: { cookie: secret } }) }, 'e');
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(JSON.parse(lines[0])).toMatchObject({ headers: { host: 'h', Authorization: REDACTED } });
    expect(JSON.parse(lines[1])).toMatchObject({ user: { name: 'u', password: REDACTED } });
  });
});
