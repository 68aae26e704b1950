import { createHash } from 'node:crypto';
import { toAscii } from './idna2003';

/** A user name that cannot be turned into an account name (bad UTF-8, IDNA 2003 violation). */
export class InvalidUsernameError extends Error {
  readonly username: string;

  constructor(username: string, reason: string, options: { cause?: unknown } = {}) {
    super(`Invalid user name ${JSON.stringify(username)}: ${reason}`, options);
    this.name = 'InvalidUsernameError';
    this.username = username;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const PERCENT = 0x25;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** `%XX` → byte, like Python 2's `urllib.unquote`: anything else stays as it is. */
function percentDecode(text: string): Uint8Array {
  const input = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const hi = input[i] === PERCENT && i + 2 < input.length ? hexValue(input[i + 1]) : -1;
    const lo = hi >= 0 ? hexValue(input[i + 2]) : -1;
    if (lo >= 0) {
      out[length++] = hi * 16 + lo;
      i += 2;
    } else {
      out[length++] = input[i];
    }
  }
  return out.subarray(0, length);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case; a SHA-1 digest (20 bytes) needs no padding. */
function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return bits > 0 ? out + BASE32[(buffer << (5 - bits)) & 31] : out;
}

/**
 * The account name for a login name (legacy `extract_username`, D.11). A name without `@` is
 * returned unchanged. An e-mail address is percent-decoded, decoded as UTF-8, both sides of the
 * first `@` IDNA 2003-encoded, lower-cased, SHA-1 hashed and base32-encoded: 32 characters.
 * Throws `InvalidUsernameError` for bad UTF-8 or a name IDNA 2003 rejects.
 */
export function extractUsername(name: string): string {
  if (!name.includes('@')) return name;
  if (/\p{Cs}/u.test(name)) throw new InvalidUsernameError(name, 'lone UTF-16 surrogate');
  let decoded: string;
  try {
    decoded = utf8.decode(percentDecode(name));
  } catch (err) {
    throw new InvalidUsernameError(name, 'not valid UTF-8 after percent-decoding', { cause: err });
  }
  const at = decoded.indexOf('@');
  let address: string;
  try {
    address = `${toAscii(decoded.slice(0, at))}@${toAscii(decoded.slice(at + 1))}`;
  } catch (err) {
    throw new InvalidUsernameError(name, (err as Error).message, { cause: err });
  }
  return base32(createHash('sha1').update(address.toLowerCase()).digest());
}

/**
 * The throttle's name for a login name that matches no account: NFKC (full-width and other
 * compatibility forms become plain), case-folded (upper then lower case, so `ß` and `SS` meet)
 * and trimmed, so the spellings a case-insensitive database or directory would take for one
 * name share one counter. Names that match an account are counted by the account's id.
 */
export function canonicalUsername(name: string): string {
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim();
}
