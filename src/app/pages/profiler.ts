import { Session } from 'node:inspector';
import { writeFile } from 'node:fs/promises';

/** The path the live profile is served at (legacy repoze.profile's). */
export const PROFILE_PATH = '/__profile__';

/**
 * A CPU profile of this process through `node:inspector` (the `profile` switch). `take()`
 * returns the profile so far, a `.cpuprofile` object Chrome DevTools opens, and starts a new
 * one; `stop(file)` writes the last one at shutdown.
 */
export class CpuProfiler {
  private readonly session = new Session();
  private readonly started: Promise<void>;

  constructor() {
    this.session.connect();
    this.started = this.post('Profiler.enable').then(() => this.post('Profiler.start')).then(() => undefined);
  }

  async take(): Promise<object> {
    await this.started;
    const { profile } = await this.post('Profiler.stop') as { profile: object };
    await this.post('Profiler.start');
    return profile;
  }

  async stop(file: string): Promise<void> {
    await this.started;
    const { profile } = await this.post('Profiler.stop') as { profile: object };
    this.session.disconnect();
    await writeFile(file, JSON.stringify(profile));
  }

  private post(method: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, (err, result) => (err ? reject(err) : resolve(result)));
    });
  }
}
