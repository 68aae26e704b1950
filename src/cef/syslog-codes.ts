/** Syslog facility names accepted in `cef.syslog.facility` (docs/compatibility.md B.2) and their codes. */
export const FACILITIES: Readonly<Record<string, number>> = {
  KERN: 0, USER: 1, MAIL: 2, DAEMON: 3, AUTH: 4, LPR: 6, NEWS: 7, UUCP: 8, CRON: 9,
  LOCAL0: 16, LOCAL1: 17, LOCAL2: 18, LOCAL3: 19, LOCAL4: 20, LOCAL5: 21, LOCAL6: 22, LOCAL7: 23,
};

/** Syslog priority (severity) names accepted in `cef.syslog.priority` and their codes. */
export const PRIORITIES: Readonly<Record<string, number>> = {
  EMERG: 0, ALERT: 1, CRIT: 2, ERR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7,
};

/**
 * `openlog` option names accepted in `cef.syslog.options`. PID and PERROR change the output;
 * CONS, NDELAY and NOWAIT are accepted for old config files and change nothing here (the
 * socket is always opened at start and never waits on child processes).
 */
export const OPTIONS = ['PID', 'CONS', 'NDELAY', 'NOWAIT', 'PERROR'] as const;
export type SyslogOption = (typeof OPTIONS)[number];
