import { roundTime } from '../util/time';

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
      last = roundTime(now / 1000);
    }
    return last;
  };
}
