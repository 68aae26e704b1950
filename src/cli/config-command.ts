import { dirname, resolve } from 'node:path';
import { loadConfigFile } from '../config/load-config-file';
import { maskSecrets } from '../config/mask-secrets';
import { asConfigError, checkFrameworkConfig } from './check-config';
import type { CommandIO } from './command-io';
import { checkAppData } from './check-app-data';
import { loadAppClass } from './load-app-class';
import { readServePlan } from './serve-plan';

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
  const notices: string[] = [];
  const config = loadConfigFile(file, { warn: (notice) => notices.push(`services-core config: ${notice}\n`) });
  if (config.__file__ !== undefined) {
    const plan = readServePlan([file]);
    try {
      checkAppData(loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath), plan.config, plan.baseDir);
    } catch (err) {
      throw asConfigError(err, file);
    }
  }
  await checkFrameworkConfig(config, { file, baseDir: dirname(file) });
  io.stderr.write(notices.join(''));
  const masked = maskSecrets(config);
  const lines = Object.keys(masked).sort().map((key) => `${key} = ${JSON.stringify(masked[key])}\n`);
  io.stdout.write(lines.join(''));
  return 0;
}
