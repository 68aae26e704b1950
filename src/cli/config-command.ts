import { checkAuthBackendSetting } from '../auth/legacy-backend-names';
import { loadConfigFile } from '../config/load-config-file';
import { maskSecrets } from '../config/mask-secrets';
import { appSpecRef } from './load-app-class';
import type { CommandIO } from './main';

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
  const notices: string[] = [];
  const flat = loadConfigFile(args[0], { warn: (notice) => notices.push(`services-core config: ${notice}\n`) });
  checkAuthBackendSetting(flat);
  if (typeof flat.use === 'string') appSpecRef(flat.use, args[0]);
  io.stderr.write(notices.join(''));
  const masked = maskSecrets(flat);
  const lines = Object.keys(masked).sort().map((key) => `${key} = ${JSON.stringify(masked[key])}\n`);
  io.stdout.write(lines.join(''));
  return 0;
}
