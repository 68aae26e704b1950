import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { servicesRequired } from '../services/services';

/** Debian's chromium (`.ci/run` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

// Headless, and quiet: no sandbox (containers), no GPU, and nothing that phones home or updates.
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/**
 * `describe` for suites that drive a real browser: skipped with a visible line when chromium is
 * not installed, failed instead under CI=true / REQUIRE_SERVICES=1 (as `describeService`).
 */
export function describeWithChromium(title: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, fn);
  } else if (servicesRequired()) {
    describe(title, () => {
      test('needs chromium', () => {
        throw new Error(`${CHROMIUM} is not installed; CI=true or REQUIRE_SERVICES=1 requires it`);
      });
    });
  } else {
    process.stderr.write(`SKIPPED (chromium not installed): ${title}\n`);
    describe.skip(title, fn);
  }
}

/** A headless chromium with a fresh profile folder of its own; `close` stops it and removes the folder. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'sc-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
