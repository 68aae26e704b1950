// The CEF escaping rules (docs/compatibility.md B.4, with the fixes of B.8): nothing a caller passes can
// end a header field, start an extension or end the line, and no control character reaches the
// line raw: a SIEM terminal or a line-oriented parser downstream sees a visible escape instead.

/* eslint-disable no-control-regex -- control characters are exactly what must be escaped */
// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
const PREFIX_SPECIAL = /[\\|\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const PREFIX_SPECIAL_ALL = /[\\|\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
const EXTENSION_SPECIAL = /[\\=\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const EXTENSION_SPECIAL_ALL = /[\\=\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
/* eslint-enable no-control-regex */
const LEGAL_KEY = /^[a-zA-Z0-9_.-]+$/;

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/** `\n`, `\r` and `\t` by name, other controls as `\xhh`, U+2028/U+2029 as `\u2028`/`\u2029`, `\` `|` `=` with a backslash. */
function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return `\\x${hex(code, 2)}`;
  if (code === 0x2028 || code === 0x2029) return `\\u${hex(code, 4)}`;
  return '\\' + c;
}

/** Header fields: `\` and `|` get a backslash; control characters become visible escapes. */
export function escapePrefix(value: string): string {
  return PREFIX_SPECIAL.test(value) ? value.replace(PREFIX_SPECIAL_ALL, escapeChar) : value;
}

/** Extension values: `\` and `=` get a backslash; control characters become visible escapes. */
export function escapeExtension(value: string): string {
  return EXTENSION_SPECIAL.test(value) ? value.replace(EXTENSION_SPECIAL_ALL, escapeChar) : value;
}

/** Extension keys: every character outside `[a-zA-Z0-9_.-]` becomes `?` (legacy meant to, but did not). */
export function sanitizeKey(key: string): string {
  if (LEGAL_KEY.test(key)) return key;
  return key === '' ? '?' : key.replace(/[^a-zA-Z0-9_.-]/gu, '?');
}
