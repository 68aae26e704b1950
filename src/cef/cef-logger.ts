import { emitWarning, HOSTNAME, renderCef } from './cef-format';
import { parseCefSettings, type CefConfigSource, type CefSettings } from './cef-settings';
import { createSink } from './sinks/create-sink';
import type { CefEnviron, CefExtra, CefSink, CefSinkHealth } from './types';

export interface CefLoggerOptions {
  /** Where lines go instead of the sink `cef.file` names (then `cef.file` is optional). */
  sink?: CefSink;
  clock?: () => Date;
  hostname?: string;
  /** Where problems go (too-big messages, illegal keys, a sink that is down); default: process warnings. */
  warn?: (message: string) => void;
  /** Only validate the settings; `open()` opens the sink later (an app does it when it starts). */
  openLater?: boolean;
  /** The `cef.*` settings when the caller has read them already (the app's constructor). */
  settings?: CefSettings | null;
}

/**
 * The CEF security logger an app keeps for its lifetime. The constructor validates the
 * `cef.*` settings and opens the sink (unless `openLater`), so a bad setting fails at start-up; `log()` never throws
 * into the request and never waits on I/O.
 */
export class CefLogger {
  readonly enabled: boolean;
  private opened: CefSink | null = null;
  private readonly given?: CefSink;
  private readonly settings: CefSettings | null;
  private readonly clock: () => Date;
  private readonly hostname: string;
  private readonly warn: (message: string) => void;
  /** Events handed to the sink so far (for metrics). */
  written = 0;

  constructor(config: CefConfigSource, options: CefLoggerOptions = {}) {
    this.warn = options.warn ?? emitWarning;
    this.clock = options.clock ?? (() => new Date());
    this.hostname = options.hostname ?? HOSTNAME;
    this.settings = options.settings !== undefined ? options.settings : parseCefSettings(config, { requireFile: options.sink === undefined, warn: this.warn });
    this.enabled = this.settings !== null;
    this.given = options.sink;
    if (!options.openLater) this.open();
  }

  /** The sink events go to; null while CEF is off or not open yet. */
  get sink(): CefSink | null {
    return this.opened;
  }

  /** Opens the sink `cef.file` names (or takes the given one); again does nothing. */
  open(): void {
    if (this.settings === null || this.opened !== null) return;
    if (this.given) {
      this.opened = this.given;
      return;
    }
    const settings = this.settings as CefSettings & { file: string };
    this.opened = createSink(settings, { warn: this.warn, clock: this.clock, hostname: this.hostname });
  }

  /** The line this event would produce, or null when CEF is off. */
  format(name: string, severity: number, environ: CefEnviron, extra?: CefExtra): string | null {
    if (this.settings === null) return null;
    return renderCef(this.context(this.settings), name, severity, environ, extra).line;
  }

  /** Formats and hands one event to the sink; problems are reported through `warn`, never thrown. */
  log(name: string, severity: number, environ: CefEnviron, extra?: CefExtra): void {
    if (this.settings === null) return;
    if (this.opened === null) {
      this.warn(`cef: event "${String(name)}" not logged: the CEF logger is not open`);
      return;
    }
    try {
      const { line, event } = renderCef(this.context(this.settings), name, severity, environ, extra);
      this.opened.write(line, event);
      this.written++;
    } catch (err) {
      this.warn(`cef: event "${String(name)}" not logged: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private context(settings: CefSettings) {
    return { settings, hostname: this.hostname, now: this.clock(), warn: this.warn };
  }

  /** Resolves once every event logged so far reached the OS or the peer (or the sink gave up). */
  async flush(): Promise<void> {
    await this.sink?.flush();
  }

  /** The sink's state for the heartbeat: null when CEF is off; a sink without `health` is ok; not open is not ok. */
  health(): CefSinkHealth | null {
    if (!this.enabled) return null;
    if (this.sink === null) return { ok: false, detail: 'the CEF sink is not open (the app has not started, or it stopped)' };
    return this.sink.health?.() ?? { ok: true };
  }

  /** Reopens a file sink (after log rotation; call it on SIGHUP). */
  reopen(): void {
    this.sink?.reopen?.();
  }

  /** Flushes and closes the sink; later events are reported through `warn`. */
  async close(): Promise<void> {
    await this.sink?.close();
  }
}
