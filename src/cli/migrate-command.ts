import { type MigrationReport, runMigrations } from '../data/migrations';
import { checkAppData } from './check-app-data';
import { asConfigError } from '../config/errors';
import type { CommandIO } from './command-io';
import { loadAppClass } from '../serve/load-app-class';
import { readServePlan } from '../serve/serve-plan';

export const MIGRATE_USAGE = 'migrate <deployment.ini>';

/** The app class of a deployment .ini and its data (undefined: it declares none); a problem is a ConfigError naming the file. */
export function deploymentData(iniPath: string, env?: NodeJS.ProcessEnv): { owner: string; data: ReturnType<typeof checkAppData> } {
  const plan = readServePlan([iniPath], env);
  try {
    const AppClass = loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath);
    return { owner: AppClass.name, data: checkAppData(AppClass, plan.config, plan.baseDir) };
  } catch (err) {
    throw asConfigError(err, plan.iniPath);
  }
}

/**
 * The deployment's pending migrations, as `migrate` runs them; undefined when its app declares
 * no migrations (what `serveApp` runs before `serve`, as a deploy does). `env` is the environment
 * the deployment file's `${VAR}` read (serveApp's, which `serve` will get too).
 */
export async function migrateDeployment(iniPath: string, env?: NodeJS.ProcessEnv): Promise<MigrationReport | undefined> {
  const { data } = deploymentData(iniPath, env);
  const migrations = data?.declaration.migrations ?? [];
  if (data === undefined || migrations.length === 0) return undefined;
  return runMigrations(data.settings, migrations, { baseline: data.declaration.baseline });
}

/**
 * `services-core migrate <deployment.ini>`: runs the pending TypeORM migrations the app of
 * `[app:main] use` declares (`static data = { …, migrations }`) on the database of its data
 * section, once, under a lock (src/data/migrations.ts), and prints each one it ran. Run it
 * before `serve` (a deploy step): `serve` and its workers never migrate.
 */
export async function migrateCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    io.stderr.write(`usage: services-core ${MIGRATE_USAGE}\n`);
    return 2;
  }
  const { owner, data } = deploymentData(args[0]);
  if (data === undefined) {
    io.stderr.write(`services-core migrate: ${owner} declares no data (static data = { entities, migrations }): nothing to migrate\n`);
    return 1;
  }
  const { declaration, settings } = data;
  const migrations = declaration.migrations ?? [];
  if (migrations.length === 0) {
    io.stdout.write(`${owner}: no migrations declared (${settings.section}): nothing to run\n`);
    return 0;
  }
  let report;
  try {
    report = await runMigrations(settings, migrations, { baseline: declaration.baseline });
  } catch (err) {
    // One line: which database, what failed; where the database has transactional DDL, nothing was applied.
    io.stderr.write(`services-core migrate: ${(err as Error).message}\n`);
    return 1;
  }
  for (const name of report.baselined) io.stdout.write(`recorded ${name} as applied without running it (baseline: its tables exist)\n`);
  for (const name of report.ran) io.stdout.write(`ran ${name}\n`);
  io.stdout.write(`${report.database}: ${report.ran.length} migration(s) run, ${report.alreadyApplied} already applied\n`);
  return 0;
}
