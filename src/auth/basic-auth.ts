import { isUtf8 } from 'node:buffer';

/** User name and password from an `Authorization: Basic …` header. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/**
 * Why a header could not be read: `scheme` (not Basic), `encoding` (not strict base64),
 * `format` (no colon), `username` / `password` (not UTF-8).
 */
export type BasicAuthProblem = 'scheme' | 'encoding' | 'format' | 'username' | 'password';

export class BasicAuthError extends Error {
  readonly problem: BasicAuthProblem;
  /** The user name, when only the password is bad (`problem === 'password'`). */
  readonly username?: string;

  constructor(problem: BasicAuthProblem, message: string, username?: string) {
    super(message);
    this.name = 'BasicAuthError';
    this.problem = problem;
    this.username = username;
  }
}

const SCHEME = /^basic +/i;
// Canonical base64 with its padding: the original failed on bad padding, and anything looser
// lets two different headers carry the same credentials.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const COLON = 0x3a;

// isUtf8 then toString: the strict check of a fatal TextDecoder at a fraction of its cost
// (a BOM is kept, as ignoreBOM did).
function decode(bytes: Buffer, problem: 'username' | 'password', username?: string): string {
  if (!isUtf8(bytes)) throw new BasicAuthError(problem, `the ${problem} is not UTF-8`, username);
  return bytes.toString('utf8');
}

/**
 * Reads an `Authorization` header (RFC 7617; docs/compatibility.md C.5 with the v2 fixes): the scheme is
 * case-insensitive, the token strict base64, the user name ends at the FIRST colon so
 * passwords may contain `:` (Q-C7), and both halves must be UTF-8. Empty names and passwords
 * pass here, as in the original. Throws a BasicAuthError saying what is wrong.
 */
export function parseBasicAuth(header: string): BasicCredentials {
  const scheme = SCHEME.exec(header);
  if (!scheme) throw new BasicAuthError('scheme', 'not a Basic authorization header');
  const token = header.slice(scheme[0].length).trim();
  if (!BASE64.test(token)) throw new BasicAuthError('encoding', 'the Basic token is not base64');
  const bytes = Buffer.from(token, 'base64');
  const colon = bytes.indexOf(COLON);
  if (colon === -1) throw new BasicAuthError('format', 'the Basic token has no colon');
  const username = decode(bytes.subarray(0, colon), 'username');
  return { username, password: decode(bytes.subarray(colon + 1), 'password', username) };
}
