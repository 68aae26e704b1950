import { join } from 'node:path';
import pino from 'pino';
import { SyncServerApp } from '../../src';

class PlainApp extends SyncServerApp {}
import { tempFiles } from './temp-files';

test('an app built from a config file names file and line in its unknown-key warnings, as `services-core config` does', async () => {
  const dir = tempFiles({ 'app.conf': '[global]\nlog_level = silent\nretry_afer = 10\n' });
  const lines: { msg: string; level: number }[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; level: number }) });
  const app = await PlainApp.fromConfigFile(join(dir, 'app.conf'), { logger });
  await app.close();
  expect(lines.map((l) => l.msg)).toContainEqual(`${join(dir, 'app.conf')}:3: \`retry_afer\`: unknown key in [global]; did you mean \`retry_after\`?`);
});
