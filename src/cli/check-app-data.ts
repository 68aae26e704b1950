import { type AppDataDeclaration, type AppDataSettings, checkAppDataDeclaration, readAppDataSettings } from '../data/app-data';
import type { FlatConfig } from '../config/types';
import type { AppClass } from '../serve/load-app-class';

/**
 * The app's `static data` and its section's settings (`sqluri`, `pool_size`…), checked as the
 * app's constructor checks them, without opening anything: `serve` and `config` run it before
 * any worker starts, and `migrate` reads them from it. Undefined when the app declares no data.
 */
export function checkAppData(AppClass: AppClass, config: FlatConfig, baseDir: string): { declaration: AppDataDeclaration; settings: AppDataSettings } | undefined {
  const declaration = (AppClass as { data?: AppDataDeclaration }).data;
  if (declaration === undefined) return undefined;
  checkAppDataDeclaration(declaration, AppClass.name);
  return { declaration, settings: readAppDataSettings(declaration, config, baseDir, AppClass.name) };
}
