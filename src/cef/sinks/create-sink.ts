/* eslint-disable @typescript-eslint/no-require-imports -- the syslog and network sinks load with the sink cef.file names */
import { ConfigError } from '../../config/errors';
import { readSettingFile } from '../../config/readable-file';
import { type CefSettings, sinkAddress } from '../cef-settings';
import type { CefSink } from '../types';
import { FileSink } from './file-sink';

// The syslog and network sinks (ten modules, with node:tls, node:dgram and node:child_process)
// load when cef.file names one: an app writing CEF to a file, or not at all, does not parse
// them at every start.
const loggerSink = () => require('./logger-sink') as typeof import('./logger-sink');
const streamSink = () => require('./stream-sink') as typeof import('./stream-sink');
const udpSink = () => require('./udp-sink') as typeof import('./udp-sink');
const unixDgramSink = () => require('./unix-dgram-sink') as typeof import('./unix-dgram-sink');

export interface SinkContext {
  warn: (message: string) => void;
  clock: () => Date;
  hostname: string;
}

function hasLogger(): boolean {
  try {
    (require('node:child_process') as typeof import('node:child_process')).execFileSync('logger', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function syslogSink(settings: CefSettings, ctx: SinkContext): CefSink {
  const base = { warn: ctx.warn, queueSize: settings.queueSize, flushTimeoutMs: settings.flushTimeoutMs, syslog: settings.syslog };
  const { transport } = settings.syslog;
  const { loadUnixDgram, UnixDgramSink } = unixDgramSink();
  const unixDgram = transport === 'logger' ? null : loadUnixDgram();
  if (unixDgram) return new UnixDgramSink({ ...base, unixDgram, clock: ctx.clock });
  if (transport === 'unix-dgram') throw new ConfigError('cef.syslog.transport: unix-dgram is not installed (npm install unix-dgram)');
  if (!hasLogger()) {
    throw new ConfigError('cef.file: syslog needs the optional unix-dgram package or the logger command (util-linux)');
  }
  return new (loggerSink().LoggerSink)(base);
}

/** The sink `cef.file` names: a file path, `syslog`, or `udp://`, `tcp://`, `tls://host:port`. */
export function createSink(settings: CefSettings & { file: string }, ctx: SinkContext): CefSink {
  const { file } = settings;
  if (file === 'syslog') return syslogSink(settings, ctx);
  const network = sinkAddress(file);
  if (network) {
    const { protocol, host, port } = network;
    const base = { warn: ctx.warn, queueSize: settings.queueSize, flushTimeoutMs: settings.flushTimeoutMs, syslog: settings.syslog, hostname: ctx.hostname, clock: ctx.clock, host, port };
    if (protocol === 'udp') return new (udpSink().UdpSink)(base);
    const ca = settings.tls.ca === null ? undefined : readSettingFile('cef.tls.ca', settings.tls.ca);
    return new (streamSink().StreamSink)({ ...base, protocol, tls: { ca, rejectUnauthorized: settings.tls.rejectUnauthorized } });
  }
  return new FileSink(file, { warn: ctx.warn });
}
