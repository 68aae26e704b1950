// The Python reader worked on bytes: whitespace and case were ASCII-only there, so they are here.
// (JavaScript's trim() and toLowerCase() also act on U+00A0, U+3000, the BOM, the KELVIN SIGN, …)

/** Space, tab, LF, VT, FF, CR: Python 2's `str.isspace()`. */
export function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** `s` without leading and trailing ASCII whitespace (Python 2's `str.strip()`). */
export function asciiTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isAsciiSpace(s.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** `s` without trailing ASCII whitespace. */
export function asciiTrimEnd(s: string): string {
  let end = s.length;
  while (end > 0 && isAsciiSpace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

const NON_ASCII = /[^\t\n\r -~]/;

/** `s` with only A–Z lower-cased (Python 2's `str.lower()`), so `Ä` and the KELVIN SIGN stay. */
export function asciiLower(s: string): string {
  // toLowerCase() is the fast path; it equals the ASCII rule on printable ASCII.
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  return s.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}
