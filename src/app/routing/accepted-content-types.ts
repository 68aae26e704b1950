import { isJsonContentType } from './json-content-type';

/** Which request Content-Types a body route reads: `'any'`, or media types besides JSON (`'text/plain'`, `'text/*'`). */
export type ContentTypes = 'any' | string[];

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/(?:\*|[a-z0-9!#$&^_.+-]+)$/;

/** What is wrong with a `contentTypes` setting, or undefined. */
export function contentTypesProblem(value: unknown): string | undefined {
  if (value === 'any') return undefined;
  if (!Array.isArray(value)) return `contentTypes must be 'any' or a list of media types, got ${JSON.stringify(value)}`;
  const bad = value.filter((item) => typeof item !== 'string' || !MEDIA_TYPE.test(item.toLowerCase()));
  return bad.length > 0 ? `contentTypes: not a media type (type/subtype or type/*): ${bad.map((b) => JSON.stringify(b)).join(', ')}` : undefined;
}

function mediaTypeOf(header: string): string {
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** A charset parameter other than UTF-8 (the body is read as UTF-8, whatever the type). */
function hasOtherCharset(header: string): boolean {
  const semicolon = header.indexOf(';');
  if (semicolon === -1) return false;
  for (const param of header.slice(semicolon + 1).split(';')) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    let value = param.slice(eq + 1).trim().toLowerCase();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value !== 'utf-8' && value !== 'utf8') return true;
  }
  return false;
}

/**
 * The Content-Type check of a body route, built once: JSON types always (`isJsonContentType`);
 * `'any'` also takes any other type or none at all; a list also takes the types it names
 * (`type/*` for a whole family). A charset other than UTF-8 is refused either way.
 * Parsed with indexOf and trim only: the header is client input.
 */
export function acceptsContentType(setting: ContentTypes | undefined): (header: string | undefined) => boolean {
  if (setting === undefined) return isJsonContentType;
  if (setting === 'any') return (header) => header === undefined || !hasOtherCharset(header);
  const exact = new Set(setting.map((t) => t.toLowerCase()).filter((t) => !t.endsWith('/*')));
  const families = setting.map((t) => t.toLowerCase()).filter((t) => t.endsWith('/*')).map((t) => t.slice(0, -1));
  return (header) => {
    if (header === undefined) return false;
    if (isJsonContentType(header)) return true;
    const type = mediaTypeOf(header);
    if (!exact.has(type) && !families.some((prefix) => type.startsWith(prefix))) return false;
    return !hasOtherCharset(header);
  };
}
