import type { SettingsSchema } from '../config/schema';

/** The `[cef]` keys (`cef.syslog.facility` may also be written `cef.syslog_facility`). */
export const CEF_SETTINGS: SettingsSchema = {
  'cef.use': ['boolean', '`true`', '`false` turns CEF off; with no `cef.*` key CEF is off and the app warns'],
  'cef.file': ['sink', 'required', 'file path, `syslog`, `udp://host:port`, `tcp://host:port`, `tls://host:port` (checked by the pre-check)'],
  'cef.vendor': ['text', 'required', 'CEF header field'],
  'cef.product': ['text', 'required', 'CEF header field'],
  'cef.device_version': ['text', 'required', 'CEF header field'],
  'cef.version': ['text', 'required', 'CEF header field'],
  'cef.syslog.facility': ['facility', '`LOCAL4`', 'syslog facility'],
  'cef.syslog.priority': ['priority', '`INFO`', 'syslog priority'],
  'cef.syslog.ident': ['text', 'script name', 'syslog ident'],
  'cef.syslog.options': ['list', 'none', 'syslog options (`PID`, `CONS`, …)'],
  'cef.syslog.socket': ['path', '`/dev/log`', 'local syslog socket'],
  'cef.syslog.transport': ['`auto` | `unix-dgram` | `logger`', '`auto`', 'how the local socket is written'],
  'cef.syslog.format': ['`5424` | `3164`', '`5424`', 'network syslog framing'],
  'cef.queue_size': ['integer', '`10000`', 'events buffered while a collector is down'],
  'cef.flush_timeout': ['milliseconds', '`5000`', 'how long close waits for a collector that is down'],
  'cef.tls.ca': ['file', 'system CAs', 'CA file for `tls://` collectors (checked by the pre-check, read when the sink opens)'],
  'cef.tls.reject_unauthorized': ['boolean', '`true`', 'check the collector\'s certificate'],
};
