// C-locale month names: the legacy line used strftime("%b") under the C locale.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** `%b %d %H:%M:%S` in local time (`Nov 06 08:20:21`): the CEF line's date (docs/compatibility.md B.3). */
export function cefDate(date: Date): string {
  return `${MONTHS[date.getMonth()]} ${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/** `Mmm dd hh:mm:ss` with a space-padded day (`Nov  6`), the BSD syslog timestamp (RFC 3164). */
export function syslogDate(date: Date): string {
  const day = date.getDate();
  return `${MONTHS[date.getMonth()]} ${day < 10 ? ' ' + day : day} ${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/**
 * Formats a date once per second: local-time offsets only change on whole seconds, so the
 * text of one epoch second is always the same. Saves the formatting on every event.
 */
export function cachedFormatter(format: (date: Date) => string): (date: Date) => string {
  let second = NaN;
  let text = '';
  return (date) => {
    const s = Math.floor(date.getTime() / 1000);
    if (s !== second) {
      second = s;
      text = format(date);
    }
    return text;
  };
}
