import { dirname, resolve } from 'node:path';
import { loadConfigFile } from '../config/load-config-file';
import { maskSecrets } from '../config/mask-secrets';
import { checkDeployment, checkFrameworkConfig } from './check-config';
import type { CommandIO } from './command-io';
import { readServePlan } from '../serve/serve-plan';

/**
 * `services-core config <file>`: checks every framework key as `serve` would (for a deployment
 * .ini also `[server:main]` and the app module of `[app:main] use`), then prints the flattened
 * config as sorted `key = value` lines, values as JSON so their types show, secrets masked.
 * A file with an `[app:main]` section is read as a deployment .ini. A problem is one line
 * naming the file and the key, and exit code 1.
 */
export async function configCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    io.stderr.write('usage: services-core config <file.conf | deployment.ini>\n');
    return 2;
  }
  const file = resolve(args[0]);
  const config = loadConfigFile(file, { warn: () => undefined });
  // A deployment .ini gets serve's own pre-check (the app class, its keys and routes included).
  const notices = config.__file__ !== undefined
    ? await checkDeployment(readServePlan([file]))
    : await checkFrameworkConfig(config, { file, baseDir: dirname(file) });
  io.stderr.write(notices.map((notice) => `services-core config: ${notice}\n`).join(''));
  const masked = maskSecrets(config);
  const lines = Object.keys(masked).sort().map((key) => `${key} = ${JSON.stringify(masked[key])}\n`);
  io.stdout.write(lines.join(''));
  return 0;
}
