import { type AppDataDeclaration, checkAppDataDeclaration, readAppDataSettings } from '../data/app-data';
import type { FlatConfig } from '../config/types';
import type { AppClass } from './load-app-class';

/**
 * The app's `static data` and its section's settings (`sqluri`, `pool_size`…), checked as the
 * app's constructor checks them, without opening anything: `serve` and `config` run it before
 * any worker starts.
 */
export function checkAppData(AppClass: AppClass, config: FlatConfig, baseDir: string): void {
  const declaration = (AppClass as { data?: AppDataDeclaration }).data;
  if (declaration === undefined) return;
  checkAppDataDeclaration(declaration, AppClass.name);
  readAppDataSettings(declaration, config, baseDir);
}
