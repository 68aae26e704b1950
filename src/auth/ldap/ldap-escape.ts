// Values put into LDAP filters and DNs are data, never syntax (Q-D4). Everything is written
// as `\XX` hex pairs: both RFCs allow it, and ldapjs' DN parser mishandles `\+` and `\ `.

function hexEscape(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Escapes an assertion value for a filter string (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, hexEscape);
}

/**
 * Escapes an attribute value for a DN string (RFC 4514 §2.4): `"` `+` `,` `;` `<` `>` `\` `=`
 * and NUL anywhere, a leading space or `#`, and a trailing space.
 */
export function escapeDnValue(value: string): string {
  return value
    .replace(/["+,;<>\\=\0]/g, hexEscape)
    .replace(/^[ #]/, hexEscape)
    .replace(/ $/, hexEscape);
}
