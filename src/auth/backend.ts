import type { FlatConfig } from '../config/types';

/** SQL backends return numeric ids, LDAP returns the `uidNumber` string (docs/compatibility.md D.2). */
export type UserId = string | number;

export interface UserInfo {
  username: string | null;
  email: string | null;
}

export interface UpdatePasswordOptions {
  oldPassword?: string;
  /** A reset code from `generateResetCode`. */
  key?: string;
}

/**
 * The auth backend contract: docs/compatibility.md D.2 in camelCase, all async. Failures of the backend
 * itself (database down, directory timeout) throw `BackendError`; a wrong password is `null`.
 */
export interface AuthBackend {
  /** The short name it was registered under (`sql`, `ldap`, `dummy`, …). */
  readonly name: string;
  /** Connects and verifies the backend is usable; called once by the app at start. */
  open?(): Promise<void>;
  authenticateUser(username: string, password: string): Promise<UserId | null>;
  getUserId(username: string): Promise<UserId | null>;
  createUser(username: string, password: string, email: string): Promise<boolean>;
  getUserInfo(userId: UserId): Promise<UserInfo>;
  updateEmail(userId: UserId, email: string, password?: string): Promise<boolean>;
  /** Needs `oldPassword` (checked) or a valid reset `key` (Q-D1, Q-D7). */
  updatePassword(userId: UserId, newPassword: string, options: UpdatePasswordOptions): Promise<boolean>;
  deleteUser(userId: UserId, password?: string): Promise<boolean>;
  generateResetCode(userId: UserId, overwrite?: boolean): Promise<string>;
  verifyResetCode(userId: UserId, code: string): Promise<boolean>;
  clearResetCode(userId: UserId): Promise<boolean>;
  getUserNode?(userId: UserId, assign?: boolean): Promise<string | null>;
  /**
   * A cheap fingerprint of the user's stored credential that changes whenever the password,
   * the account state or the user itself changes (SQL: row id, status and hash; LDAP: the
   * entry's change stamp), or null when there is no such user or no way to tell. The login
   * cache keys on it, so a change made anywhere misses at once. One indexed lookup, never a
   * password check.
   */
  credentialStamp?(username: string): Promise<string | null>;
  // Operator changes, made by `services-core users` with the deployment's credentials: they need
  // neither the user's password nor a reset code, so an app must never call them for a request.
  // Optional; SQL and LDAP have them. Each is false when there is no such user.
  /** Replaces the password, hashed with the configured scheme. */
  setPassword?(userId: UserId, newPassword: string): Promise<boolean>;
  /** Lets the user log in again, or refuses every login of the user (SQL `status`, LDAP `account-enabled`). */
  setUserEnabled?(userId: UserId, enabled: boolean): Promise<boolean>;
  /** Deletes the user without its password. */
  removeUser?(userId: UserId): Promise<boolean>;
  /** Throws (normally a `BackendError`) when the backend cannot serve; used by the heartbeat. */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

export interface AuthBackendContext {
  /** The whole flat app config, for backends that need more than `auth.*`. */
  config: FlatConfig;
  /** Where a backend reports warnings (the app's logger). */
  warn: (message: string) => void;
}

/**
 * Builds a backend from its `auth.*` params (the `auth.` prefix removed and further dots
 * turned into `_`, as legacy `filter_params`; `backend` removed).
 */
export type AuthBackendFactory = (params: FlatConfig, context: AuthBackendContext) => AuthBackend;
