import { syslogDate } from '../cef-date';
import type { SyslogSettings } from '../cef-settings';

/** What a syslog header needs besides the time. */
export interface SyslogHeader {
  pri: number;
  /** The tag / APP-NAME: printable ASCII without space, `[`, `]` or `:`, at most 32 characters. */
  tag: string;
  /** The process id when the PID option is on. */
  pid: number | null;
  hostname: string;
}

export function syslogHeader(syslog: SyslogSettings, hostname: string): SyslogHeader {
  return {
    pri: syslog.facility * 8 + syslog.priority,
    tag: syslog.ident.replace(/[^!-~]|[[\]:]/g, '_').slice(0, 32) || '-',
    pid: syslog.options.has('PID') ? process.pid : null,
    hostname: hostname.replace(/[^!-~]/g, '_') || '-',
  };
}

/** `<PRI>Mmm dd hh:mm:ss tag[pid]: msg`, what glibc's syslog() sends to /dev/log. */
export function frameLocal(h: SyslogHeader, date: Date, msg: string): string {
  return `<${h.pri}>${syslogDate(date)} ${h.tag}${h.pid === null ? '' : `[${h.pid}]`}: ${msg}`;
}

/** RFC 3164: `<PRI>Mmm dd hh:mm:ss host tag[pid]: msg`. */
export function frame3164(h: SyslogHeader, date: Date, msg: string): string {
  return `<${h.pri}>${syslogDate(date)} ${h.hostname} ${h.tag}${h.pid === null ? '' : `[${h.pid}]`}: ${msg}`;
}

/** RFC 5424: `<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD MSG`, no MSGID or structured data. */
export function frame5424(h: SyslogHeader, date: Date, msg: string): string {
  return `<${h.pri}>1 ${date.toISOString()} ${h.hostname} ${h.tag} ${h.pid ?? '-'} - - ${msg}`;
}

/** RFC 6587 octet counting: `<byte length> <message>`. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message);
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}
