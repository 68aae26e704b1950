// The CEF escaping rules (legacy B.4, with the fixes of design §6): nothing a caller passes can
// end a header field, start an extension or end the line.

const PREFIX_SPECIAL = /[\\|\r\n]/;
const EXTENSION_SPECIAL = /[\\=\r\n]/;
const LEGAL_KEY = /^[a-zA-Z0-9_.-]+$/;

function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  return '\\' + c;
}

/** Header fields: `\` and `|` get a backslash; CR and LF become the two characters `\r`, `\n`. */
export function escapePrefix(value: string): string {
  return PREFIX_SPECIAL.test(value) ? value.replace(/[\\|\r\n]/g, escapeChar) : value;
}

/** Extension values: `\` and `=` get a backslash; CR and LF become the two characters `\r`, `\n`. */
export function escapeExtension(value: string): string {
  return EXTENSION_SPECIAL.test(value) ? value.replace(/[\\=\r\n]/g, escapeChar) : value;
}

/** Extension keys: every character outside `[a-zA-Z0-9_.-]` becomes `?` (legacy meant to, but did not). */
export function sanitizeKey(key: string): string {
  if (LEGAL_KEY.test(key)) return key;
  return key === '' ? '?' : key.replace(/[^a-zA-Z0-9_.-]/gu, '?');
}
