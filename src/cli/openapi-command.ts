import { createLogger } from '../app/observability/logger';
import { asConfigError } from '../config/errors';
import type { CommandIO } from './command-io';
import { loadAppClass } from '../serve/load-app-class';
import { readServePlan } from '../serve/serve-plan';

export const OPENAPI_USAGE = 'openapi <deployment.ini>';

/**
 * `services-core openapi <deployment.ini>`: prints the OpenAPI 3.1 document (JSON) of the app of
 * `[app:main] use`, built as the app builds it for `global.openapi_page`. The app is constructed
 * (which opens nothing) and closed again; its log lines and what the document cannot describe go
 * to stderr, so stdout is the document alone.
 */
export async function openApiCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    io.stderr.write(`usage: services-core ${OPENAPI_USAGE}\n`);
    return 2;
  }
  const plan = readServePlan(args);
  let app;
  try {
    const AppClass = loadAppClass(plan.appSpec, plan.baseDir, plan.iniPath);
    const logger = createLogger(plan.config, { write: (line: string) => io.stderr.write(line) });
    app = new AppClass(plan.config, { baseDir: plan.baseDir, logger });
  } catch (err) {
    throw asConfigError(err, plan.iniPath);
  }
  try {
    const document = app.openApiDocument({ warn: (message) => io.stderr.write(`services-core openapi: ${message}\n`) });
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } finally {
    await app.close();
  }
  return 0;
}
