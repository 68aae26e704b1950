import { runScript } from './services';

/** Stops what global-setup started (not instances a developer started by hand). */
export default async function globalTeardown(): Promise<void> {
  if (process.env.KEEP_SERVICES === '1') return;
  for (const name of (process.env.SC_SERVICES_STARTED ?? '').split(',').filter(Boolean)) runScript(name, 'down');
}
