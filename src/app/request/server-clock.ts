import { roundTime } from '../../util/time';

/**
 * The server time as `roundTime` text (legacy `request.server_time`), computed at most once
 * per millisecond: under load many requests share a millisecond.
 */
export function serverClock(): () => string {
  let lastMs = -1;
  let last = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      last = hundredths(now);
    }
    return last;
  };
}

// roundTime(ms / 1000) without its decimal arithmetic where the answer is plain: a last
// digit below or above 5 rounds down or up. At 5 the double's exact value decides (as
// Python's float did), which roundTime works out.
function hundredths(ms: number): string {
  const digit = ms % 10;
  if (digit === 5) return roundTime(ms / 1000);
  const cs = (ms - digit) / 10 + (digit > 5 ? 1 : 0);
  const frac = cs % 100;
  return `${(cs - frac) / 100}.${frac < 10 ? '0' : ''}${frac}`;
}
