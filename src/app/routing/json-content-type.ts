/**
 * Whether a Content-Type header names JSON a `{ body: 'json' }` route reads: `application/json`
 * or a structured-syntax `application/<anything>+json` (RFC 6839, e.g. `merge-patch+json`), with
 * no charset or a UTF-8 one. Parsed with indexOf and trim only: the header is client input.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const isJson = mediaType === 'application/json' ||
    (mediaType.startsWith('application/') && mediaType.endsWith('+json') && mediaType.length > 'application/+json'.length);
  if (!isJson) return false;
  if (semicolon === -1) return true;
  for (const param of header.slice(semicolon + 1).split(';')) {
    const eq = param.indexOf('=');
    const name = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
    if (name !== 'charset') continue;
    let value = param.slice(eq + 1).trim().toLowerCase();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value !== 'utf-8' && value !== 'utf8') return false;
  }
  return true;
}
