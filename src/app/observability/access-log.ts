import type { Middleware } from 'koa';
import type { AppContext, AppContextExtras, AppState } from '../types';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Apache's `%t`: `[10/Oct/2000:13:55:36 -0700]`, local time. */
export function apacheDate(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `[${pad(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}]`;
}

/** As Apache escapes logged request data: `"` and `\` with a backslash, control bytes as `\xhh`. */
// eslint-disable-next-line no-control-regex -- control bytes are exactly what must be escaped
const UNSAFE = /["\\]|[\x00-\x1f\x7f]/g;

function escape(text: string): string {
  return text.replace(UNSAFE, (c) =>
    (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** One line in Apache combined format (what Paste's TransLogger wrote). */
export function combinedLogLine(ctx: AppContext, start: Date): string {
  const req = ctx.req;
  const length = ctx.response.length;
  const header = (name: string) => {
    const value = req.headers[name];
    return value === undefined ? '-' : escape(String(value));
  };
  return `${ctx.state.clientIp || '-'} - ${ctx.state.user ? escape(ctx.state.user.name) : '-'} ${apacheDate(start)} ` +
    `"${escape(`${req.method} ${req.url} HTTP/${req.httpVersion}`)}" ${ctx.status} ${length === undefined ? '-' : length} ` +
    `"${header('referer')}" "${header('user-agent')}"`;
}

/** The `debug` / `translogger` switch (Q-C9): an access log line per request. */
export function accessLog(): Middleware<AppState, AppContextExtras> {
  return async function accessLogMiddleware(ctx, next) {
    const start = new Date();
    try {
      await next();
    } finally {
      ctx.state.log.info(combinedLogLine(ctx, start));
    }
  };
}
