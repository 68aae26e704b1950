import { loadConfigFile } from '../config/load-config-file';
import { maskSecrets } from '../config/mask-secrets';
import type { CommandIO } from './command-io';

/**
 * `services-core config <file>`: prints the flattened config as sorted `key = value` lines,
 * values as JSON so their types show, secrets masked. A file with an `[app:main]` section is
 * read as a deployment .ini.
 */
export async function configCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    io.stderr.write('usage: services-core config <file.conf | deployment.ini>\n');
    return 2;
  }
  const masked = maskSecrets(loadConfigFile(args[0]));
  const lines = Object.keys(masked).sort().map((key) => `${key} = ${JSON.stringify(masked[key])}\n`);
  io.stdout.write(lines.join(''));
  return 0;
}
