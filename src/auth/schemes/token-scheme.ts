import type { IncomingMessage } from 'node:http';
import type { UserId } from '../backend';

/** The schemes the framework knows (hapi's model: how credentials travel and are checked). */
export const SCHEME_NAMES = ['basic', 'bearer', 'hawk'] as const;
export type SchemeName = (typeof SCHEME_NAMES)[number];

/** Who a token or a signed request says is calling, once its scheme has checked it. */
export interface TokenIdentity {
  /** The user name (`sub` or the configured claim; Hawk: the credentials' `user`). */
  subject: string;
  /** The user's id when the credentials carry one; else the user store's (`lookup`) or the subject. */
  id?: UserId;
  /** What the credentials allow (`scope` / `scp` claims; Hawk: the credentials' `scopes`). */
  scopes: ReadonlySet<string>;
  /** When the credentials stop being valid (ms since the epoch), when they say. */
  expiresAt?: number;
  /** Hawk with a payload hash: whether the body read by the route is the one the client signed. */
  checkPayload?: (body: Buffer, contentType: string | undefined) => boolean;
}

/**
 * Why credentials were refused, in the scheme's own terms. `status` 400 is a malformed request,
 * 401 credentials that do not pass; `challenge` holds the attributes of the scheme's
 * `WWW-Authenticate` answer (RFC 6750 `error`, Hawk's `ts`/`tsm`); `subject` is set once the
 * credentials were shown to be the subject's (a valid signature or MAC), so failures can be
 * counted per subject. `reason` names the check for CEF and logs: never a token, MAC or key.
 */
export class TokenFailure extends Error {
  constructor(readonly reason: string, readonly status: 400 | 401, readonly challenge: Record<string, string> = {},
    readonly subject?: string) {
    super(reason);
    this.name = 'TokenFailure';
  }
}

/** One scheme with its settings (a strategy), without HTTP framework specifics. */
export interface TokenScheme {
  readonly name: Exclude<SchemeName, 'basic'>;
  /** The `Authorization` scheme word, as sent (`Bearer`, `Hawk`). */
  readonly word: string;
  /** Fetches what the checks need (a JWKS) and opens its stores; throws when it cannot. */
  open(): Promise<void>;
  /** The identity a request's `Authorization` header (whose scheme word is `word`) proves; throws a TokenFailure. */
  verify(req: IncomingMessage, header: string): Promise<TokenIdentity>;
  /** The identity of a header verified before and still valid (the verification cache), without any check. */
  recall?(header: string): TokenIdentity | undefined;
  /** Throws (a BackendError) when the scheme cannot verify anything new (its key source is gone). */
  checkHealth?(): Promise<void>;
  close(): Promise<void>;
}

/** `true` when `header` starts with `word` (any case; as written is the fast path) and a space. */
export function hasSchemeWord(header: string, word: string): boolean {
  const n = word.length;
  if (header.length <= n || header.charCodeAt(n) !== 0x20) return false;
  for (let i = 0; i < n; i++) {
    // ASCII letters only: OR-ing 0x20 folds the case.
    if ((header.charCodeAt(i) | 0x20) !== (word.charCodeAt(i) | 0x20)) return false;
  }
  return true;
}
