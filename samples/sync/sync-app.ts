// In your project: from 'services-core'
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  ERROR_INVALID_CAPTCHA, ERROR_INVALID_COLLECTION, ERROR_INVALID_RESET_CODE, ERROR_INVALID_USER, ERROR_INVALID_WBO,
  ERROR_INVALID_WRITE, ERROR_MALFORMED_JSON, ERROR_MISSING_PASSWORD, ERROR_NO_EMAIL_ADDRESS, ERROR_OVER_QUOTA,
  ERROR_USERNAME_EMAIL_MISMATCH, ERROR_WEAK_PASSWORD, BackendError, BadRequestError, HttpError, NotFoundError, ServiceUnavailableError, SyncServerApp,
  UnauthorizedError, authenticated, cef, classifySqlError, extractUsername, getUrl, htmlResponse, jsonBadRequest, parseBasicAuth,
  HttpResponse, roundTime, route, sendEmail, textResponse, time2bigint, validEmail, validPassword,
  type AppContext, type AppDataDeclaration, type AppOptions, type AuthBackend, type FlatConfig,
} from '../../src';
import { passwordChangedPage, askResetPage, keySentPage, resetFailedPage, resetFormPage, resetMail, RESET_PATH } from './reset-pages';
import { itemsResponse, pyFloatText, rawJson, stampsJson, wboJson } from './output';
import { InvalidArgumentError, parseItemQuery, type ItemQuery } from './query-args';
import { parseJson } from './request-body';
import { STORAGE_ENTITIES } from './storage-entities';
import { SYNC_SETTINGS_SCHEMA, readSyncSettings, type SyncSettings } from './sync-settings';
import { SyncStorage, type UserId } from './sync-storage';
import { InvalidWboError, MAX_ID_SIZE, parseWbo, validateWbo, type Wbo } from './wbo';

// Path pieces as server-storage and server-reg wrote them.
const API = '{api:1.0|1|1.1}';
const USER_API = '/user/{api:1.0|1}/{username:[a-zA-Z0-9._-]+}';
const ROOT = `/${API}/{username:[a-zA-Z0-9._-]+}`;
const COLLECTION = `${ROOT}/storage/{collection:[a-zA-Z0-9._-]+}`;
const ITEM = `${COLLECTION}/{item:[\\\\a-zA-Z0-9._?#~-]+}`;

/** The paths of each API, for `nodes.serve` (README.md "Storage nodes"). */
const STORAGE_PATH = /^\/(?:1\.0|1|1\.1)\//;
const USER_PATH = /^\/(?:(?:user|misc|media)\/|weave-password-reset$)/;

/** The `collections.name` column holds 32 characters. */
const MAX_COLLECTION_NAME = 32;
const MAX_USERNAME = 32;
/** KB: under this much quota left, writes say how much is left (legacy `_ONE_MEG`, in KB). */
const QUOTA_WARNING = 1024;

/** Bodies as text under any Content-Type: urllib2 sends JSON as application/x-www-form-urlencoded. */
const TEXT = { body: 'text' } as const;

/** The user ids of the auth backend (SQL numbers, LDAP `uidNumber` text). */
type AuthUserId = Parameters<AuthBackend['getUserInfo']>[0];

/** What the reset pages say when the mail cannot be asked for (by the respcode of the API's 400). */
const RESET_FAILURES: Record<string, string> = {
  [String(ERROR_INVALID_USER)]: 'We are unable to locate your account',
  [String(ERROR_NO_EMAIL_ADDRESS)]: 'There is no e-mail address on file for this account',
};

/** The reset pages' style sheets (`media/`), served from memory as server-reg did. */
const MEDIA_DIR = path.join(__dirname, 'media');
const MEDIA = new Map(readdirSync(MEDIA_DIR).filter((name) => name.endsWith('.css'))
  .map((name) => [name, readFileSync(path.join(MEDIA_DIR, name), 'utf8')]));

const WEAK_PASSWORD_TEXT = 'Password should be at least 8 characters and not the same as your username';

interface UserBody {
  password?: unknown;
  email?: unknown;
  'captcha-challenge'?: unknown;
  'captcha-response'?: unknown;
}

/**
 * A Sync 1.1 server: the user API of server-reg and the storage API of server-storage, on the
 * configured auth backend (SQL) and a SQL storage in the original tables. See README.md.
 */
export class SyncApp extends SyncServerApp {
  /** The storage tables, in the database of `[storage] sqluri` (shared with auth when the same). */
  static override readonly data: AppDataDeclaration = { entities: STORAGE_ENTITIES, section: 'storage' };
  static override settingsSchema = SYNC_SETTINGS_SCHEMA;

  readonly sync: SyncSettings;
  readonly storage: SyncStorage;

  constructor(config: FlatConfig, options?: AppOptions) {
    super(config, options);
    this.sync = readSyncSettings(this.config);
    this.storage = new SyncStorage(() => Promise.resolve({ source: this.data.source, dialect: this.data.dialect, owned: false }),
      { standardCollections: this.sync.standardCollections });
    if (this.sync.captcha.use && this.sync.sharedSecret === undefined) {
      this.logger.warn('global.shared_secret is not set (SYNC_SECRET unset): accounts can be created only with a captcha');
    } else if (!this.sync.captcha.use) {
      this.logger.warn('captcha.use is off: anyone can create an account');
    }
    for (const key of this.sync.ignored) this.logger.warn(`${key} is ignored: this server keeps everything in SQL`);
    if (this.mailConfigured && this.sync.publicUrl === undefined) {
      this.logger.warn('reg.public_url is not set: password-reset mails link to the host each request names (set it behind a proxy or a shared name)');
    }
  }

  private get users(): AuthBackend {
    if (!this.auth) throw new TypeError('SyncApp needs an auth backend (auth.backend)');
    return this.auth;
  }

  /**
   * The framework opened the storage tables. On MySQL/MariaDB a TypeORM `text` column is TEXT
   * (64 KB) while payloads go up to 256 KB: an empty `wbo` table becomes MEDIUMTEXT, a filled
   * one (an existing server-full database) is left alone with a warning.
   */
  protected override async onStart(): Promise<void> {
    await this.storage.open();
    const merged = await this.storage.upgradeSchema();
    if (merged > 0) this.logger.warn(`collections: merged ${merged} duplicate collection id(s) into one per user and name`);
    if (this.data.dialect !== 'mysql') return;
    const source = this.data.source;
    const [column] = await source.query(
      "SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'wbo' AND COLUMN_NAME = 'payload'") as Array<{ t: string }>;
    if (column?.t.toLowerCase() !== 'text') return;
    const rows = await source.query('SELECT 1 AS one FROM wbo LIMIT 1') as unknown[];
    if (rows.length === 0) await source.query('ALTER TABLE wbo MODIFY payload MEDIUMTEXT NULL');
    else this.logger.warn('wbo.payload is TEXT (64 KB): larger payloads are refused; ALTER TABLE wbo MODIFY payload MEDIUMTEXT to store up to 256 KB');
  }

  protected override async onClose(): Promise<void> {
    await this.storage.close();
  }

  /**
   * Doubled slashes merged, as nginx does by default (`merge_slashes`): clients build storage
   * URLs as `<node>/1.0/…` and the node URL ends with `/`.
   */
  protected override onRequest(ctx: AppContext): void {
    if (ctx.path.includes('//')) ctx.path = ctx.path.replace(/\/{2,}/g, '/');
    const { user, storage } = this.sync.serve;
    if (!storage && STORAGE_PATH.test(ctx.path)) throw new NotFoundError();
    if (!user && USER_PATH.test(ctx.path)) throw new NotFoundError();
  }

  /** `X-Weave-Timestamp` on every response, errors included, as the original server did. */
  protected override onResponse(ctx: AppContext): void {
    // From the Node response: Koa's `ctx.response.get` copies every header first.
    if (!ctx.res.getHeader('X-Weave-Timestamp')) ctx.set('X-Weave-Timestamp', ctx.state.serverTime);
  }

  protected override async checkServer(): Promise<void> {
    await this.users.getUserId('__heartbeat__');
    await this.storage.check();
  }

  private userId(ctx: AppContext): UserId {
    return Number(ctx.state.user!.id);
  }

  private password(ctx: AppContext): string | undefined {
    const header = ctx.get('Authorization');
    return header ? parseBasicAuth(header).password : undefined;
  }

  /** The body of a `{ body: 'text' }` route (any Content-Type, at most `global.max_body_size`). */
  private body(ctx: AppContext): string {
    return ctx.request.body as string;
  }

  // --- user API (server-reg) -------------------------------------------------------------------

  /** `1` when the name is taken, else `0`. */
  @route('GET', USER_API)
  async userExists(ctx: AppContext) {
    return textResponse((await this.users.getUserId(ctx.params.username)) === null ? '0' : '1');
  }

  /** Creates the account: JSON `password`, `email`, captcha fields; answers the user name. */
  @route('PUT', USER_API, TEXT)
  @cef(5, { name: 'Account created', signature: 'AccountCreated' })
  async createUser(ctx: AppContext) {
    const { username } = ctx.params;
    if (username.length > MAX_USERNAME) throw jsonBadRequest(ERROR_INVALID_USER);
    if ((await this.users.getUserId(username)) !== null) throw jsonBadRequest(ERROR_INVALID_WRITE);
    const parsed = parseJson(this.body(ctx));
    if (!parsed) throw jsonBadRequest(ERROR_MALFORMED_JSON);
    const data = (typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value) ? parsed.value : {}) as UserBody;
    const { email, password } = data;
    if (email !== undefined && email !== null && email !== '' && !validEmail(email)) throw jsonBadRequest(ERROR_NO_EMAIL_ADDRESS);
    if (this.sync.strictUsernames) {
      let munged: string | undefined;
      try {
        munged = typeof email === 'string' ? extractUsername(email) : undefined;
      } catch {
        munged = undefined;
      }
      if (munged !== username) throw jsonBadRequest(ERROR_USERNAME_EMAIL_MISMATCH);
    }
    if (password === undefined || password === null || password === '') throw jsonBadRequest(ERROR_MISSING_PASSWORD);
    if (typeof password !== 'string' || !validPassword(username, password)) throw jsonBadRequest(ERROR_WEAK_PASSWORD);
    const secret = this.sync.sharedSecret;
    if (secret === undefined || ctx.get('X-Weave-Secret') !== secret) await this.checkCaptcha(ctx, data);
    if (!(await this.users.createUser(username, password, typeof email === 'string' ? email : ''))) {
      throw jsonBadRequest(ERROR_INVALID_WRITE);   // created meanwhile by another request
    }
    return textResponse(username);
  }

  private async checkCaptcha(ctx: AppContext, data: UserBody): Promise<void> {
    const { use, privateKey, verifyUrl } = this.sync.captcha;
    if (!use) return;
    const challenge = data['captcha-challenge'];
    const response = data['captcha-response'];
    if (typeof challenge !== 'string' || typeof response !== 'string' || !privateKey) throw jsonBadRequest(ERROR_INVALID_CAPTCHA);
    const form = new URLSearchParams({ privatekey: privateKey, remoteip: ctx.state.clientIp, challenge, response });
    const answer = await getUrl(verifyUrl, {
      method: 'POST', body: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, timeoutMs: 5000,
    });
    if (answer.status !== 200 || answer.body.split('\n')[0].trim() !== 'true') throw jsonBadRequest(ERROR_INVALID_CAPTCHA);
  }

  /**
   * The user's storage node, as server-reg answered it: the node the auth backend keeps for the
   * user, assigning the least loaded one to a new user (`getUserNode`; SQL with
   * `auth.assign_nodes`, LDAP); else `nodes.fallback_node`; else the text `null` (the client then
   * keeps the server it has). No node with room left is a 503.
   */
  @route('GET', `${USER_API}/node/weave`)
  async userNode(ctx: AppContext) {
    const id = await this.users.getUserId(ctx.params.username);
    if (id === null) throw new NotFoundError();
    const node = (await this.users.getUserNode?.(id, true)) ?? this.sync.fallbackNode;
    return textResponse(node ?? 'null');
  }

  /** Deletes the account (and its stored data): `1` when deleted. */
  @route('DELETE', USER_API)
  @authenticated
  @cef(7, { name: 'Account deleted', signature: 'AccountDeleted' })
  async deleteUser(ctx: AppContext) {
    const id = this.userId(ctx);
    const deleted = await this.users.deleteUser(ctx.state.user!.id, this.password(ctx));
    if (deleted) await this.storage.deleteStorage(id);
    return textResponse(deleted ? '1' : '0');
  }

  /** The new address as a plain-text body; answers it. */
  @route('POST', `${USER_API}/email`, TEXT)
  @authenticated
  @cef(5, { name: 'Email change', signature: 'EmailChange' })
  async changeEmail(ctx: AppContext) {
    const email = this.body(ctx);
    if (!validEmail(email)) throw jsonBadRequest(ERROR_NO_EMAIL_ADDRESS);
    if (!(await this.users.updateEmail(ctx.state.user!.id, email, this.password(ctx)))) {
      throw new HttpError(500, 'User update failed.', { expose: true });
    }
    return textResponse(email);
  }

  /**
   * The new password as a plain-text body, with a reset code in `X-Weave-Password-Reset` or
   * with Basic auth (the old password). The code decides whenever the header is there, whatever
   * the credentials say: a wrong code is `10` even with a valid login (server-reg).
   */
  @route('POST', `${USER_API}/password`, TEXT)
  @cef(7, { name: 'Password change', signature: 'PasswordChange' })
  async changePassword(ctx: AppContext) {
    const { username } = ctx.params;
    const password = this.body(ctx);
    if (!validPassword(username, password)) throw new BadRequestError(WEAK_PASSWORD_TEXT);
    const key = ctx.get('X-Weave-Password-Reset');
    if (ctx.headers['x-weave-password-reset'] !== undefined) {
      const id = await this.users.getUserId(username);
      if (id === null) throw new NotFoundError();
      if (!(await this.users.updatePassword(id, password, { key }))) {
        this.cef.log('Invalid Reset Code Submitted', 5, ctx, { username });
        throw jsonBadRequest(ERROR_INVALID_RESET_CODE);
      }
      return textResponse('success');
    }
    const user = await this.authenticate(ctx, username);
    if (!user) throw new UnauthorizedError();
    ctx.state.user = user;
    await this.users.updatePassword(user.id, password, { oldPassword: this.password(ctx) });
    return textResponse('success');
  }

  /**
   * Mails a reset link to the user (public, as server-reg routed it: "bug 625001"): an unknown
   * user is `3`, a user without an address `12`, then the captcha (`captcha-challenge` and
   * `captcha-response` in the query) when captchas are on; 503 when the mail cannot be sent.
   */
  @route('GET', `${USER_API}/password_reset`)
  async passwordReset(ctx: AppContext) {
    const id = await this.resetUser(ctx.params.username);
    await this.checkCaptcha(ctx, this.captchaQuery(ctx));
    await this.mailResetCode(ctx, ctx.params.username, id);
    return textResponse('success');
  }

  /** Cancels a pending reset (the code stops working); Basic auth and, when on, the captcha. */
  @route('DELETE', `${USER_API}/password_reset`)
  @authenticated
  @cef(7, { name: 'Password Reset Cancelled', signature: 'PasswordResetCleared' })
  async cancelPasswordReset(ctx: AppContext) {
    await this.checkCaptcha(ctx, this.captchaQuery(ctx));
    await this.users.clearResetCode(ctx.state.user!.id);
    return textResponse('success');
  }

  private captchaQuery(ctx: AppContext): UserBody {
    const value = (name: string) => {
      const v = ctx.query[name];
      return Array.isArray(v) ? v[v.length - 1] : v;
    };
    return { 'captcha-challenge': value('captcha-challenge'), 'captcha-response': value('captcha-response') };
  }

  /** The id of a user a reset may be asked for: `3` for an unknown one, `12` without an address. */
  private async resetUser(username: string): Promise<AuthUserId> {
    const id = username.length > MAX_USERNAME ? null : await this.users.getUserId(username);
    if (id === null) throw jsonBadRequest(ERROR_INVALID_USER);
    const { email } = await this.users.getUserInfo(id);
    if (!email) throw jsonBadRequest(ERROR_NO_EMAIL_ADDRESS);
    return id;
  }

  /** Mails the user's reset link (the pending code while it lives); a BackendError when it cannot be sent. */
  private async mailResetCode(ctx: AppContext, username: string, id: AuthUserId): Promise<void> {
    if (!this.mailConfigured) throw new ServiceUnavailableError('No mail server configured');
    const { email } = await this.users.getUserInfo(id);
    const code = await this.users.generateResetCode(id);
    const root = this.sync.publicUrl ?? `${ctx.protocol}://${ctx.host}`;
    const result = await sendEmail({ to: email!, ...resetMail(root, username, code) }, this.config);
    // The mail server is a backend: down, it is a 503 with Retry-After and a log line.
    if (!result.ok) throw new BackendError(`cannot send the password reset mail: ${result.error}`);
  }

  private get mailConfigured(): boolean {
    return this.config['smtp.sender'] !== undefined && this.config['smtp.sender'] !== '';
  }

  /**
   * The reset pages (server-reg's web flow): without parameters the form asking for the
   * account, with the mailed `key` (and `username`) the form taking the new password twice.
   */
  @route('GET', RESET_PATH)
  resetPage(ctx: AppContext) {
    const query = new URLSearchParams(ctx.querystring);
    if (query.has('key') || query.has('error')) {
      return this.resetHtml(resetFormPage({ username: query.get('username') ?? undefined, key: query.get('key') ?? '', error: query.get('error') ?? undefined }));
    }
    if (ctx.querystring !== '') throw new BadRequestError();
    return this.resetHtml(askResetPage());
  }

  /**
   * The forms' answers: `username` alone asks for the mail; with `key`, `password` and
   * `confirm` it sets the password. A failed check shows the form again with its reason.
   */
  @route('POST', RESET_PATH, TEXT)
  async resetSubmit(ctx: AppContext) {
    const form = new URLSearchParams(this.body(ctx));
    const given = (name: string) => form.get(name) ?? undefined;
    let username = given('username');
    if (username !== undefined) {
      try {
        username = extractUsername(username);
      } catch {
        username = '';
      }
    }
    if (username !== undefined && [...form.keys()].every((name) => name === 'username')) return this.resetAsked(ctx, username);
    const key = given('key');
    if (key === undefined) throw new BadRequestError();
    const again = (error: string) => this.resetHtml(resetFormPage({ username, key, error }));
    if (!username) return again('Username not provided. Please check the link you used.');
    const id = username.length > MAX_USERNAME ? null : await this.users.getUserId(username);
    if (id === null) return again('We are unable to locate your account');
    const password = given('password');
    if (password === undefined) return again('Password not provided. Please check the link you used.');
    if (password !== given('confirm')) return again('Password and confirmation do not match');
    if (!validPassword(username, password)) return again(WEAK_PASSWORD_TEXT);
    if (!(await this.users.verifyResetCode(id, key))) return again('Key does not match with username. Please request a new key.');
    // The code is used up by the change.
    if (!(await this.users.updatePassword(id, password, { key }))) return again('Password change failed unexpectedly.');
    this.cef.log('Password reset', 7, ctx, { signature: 'PasswordReset', username });
    return this.resetHtml(passwordChangedPage());
  }

  private async resetAsked(ctx: AppContext, username: string) {
    try {
      await this.mailResetCode(ctx, username, await this.resetUser(username));
    } catch (err) {
      const unavailable = err instanceof BackendError || err instanceof ServiceUnavailableError;
      const reason = unavailable ? 'The reset mail could not be sent. Please try again later.' : RESET_FAILURES[String((err as { body?: unknown }).body)];
      if (reason === undefined) throw err;
      if (unavailable) (ctx.state.log ?? this.logger).error({ err }, 'password reset page: no mail sent');
      return this.resetHtml(resetFailedPage(reason));
    }
    return this.resetHtml(keySentPage());
  }

  /** A reset page: never cached, and no Referer carrying the key to the style sheet's server. */
  private resetHtml(body: string) {
    return htmlResponse(body, { headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' } });
  }

  /** The style sheet of the reset pages (`media/`, read at start). */
  @route('GET', '/media/{filename:[a-zA-Z0-9_.-]+}')
  media(ctx: AppContext) {
    const text = MEDIA.get(ctx.params.filename);
    if (text === undefined) throw new NotFoundError();
    return new HttpResponse(text, { headers: { 'Content-Type': 'text/css; charset=utf-8' } });
  }

  /**
   * The reCAPTCHA snippet for account creation forms; 404 when captchas are off. Served without a
   * public key too (an empty key), as the original rendered it whenever `captcha.use` was on.
   */
  @route(['GET', 'POST'], '/misc/{api:1.0|1}/captcha_html')
  captchaHtml() {
    const { use, publicKey, useSsl } = this.sync.captcha;
    if (!use) throw new NotFoundError('No captcha configured');
    const server = useSsl ? 'https://www.google.com/recaptcha/api' : 'http://www.google.com/recaptcha/api';
    const key = encodeURIComponent(publicKey ?? '');
    return htmlResponse(`<script type="text/javascript" src="${server}/challenge?k=${key}"></script>\n`);
  }

  // --- storage API (server-storage) ------------------------------------------------------------

  /** Collections and their last change; `X-Weave-Records` counts them. */
  @route('GET', `${ROOT}/info/collections`)
  @authenticated
  async infoCollections(ctx: AppContext) {
    const stamps = await this.storage.timestamps(this.userId(ctx));
    return rawJson(stampsJson(stamps), { 'X-Weave-Records': String(stamps.size) });
  }

  @route('GET', `${ROOT}/info/collection_counts`)
  @authenticated
  async infoCollectionCounts(ctx: AppContext) {
    const counts = await this.storage.counts(this.userId(ctx));
    return rawJson(JSON.stringify(Object.fromEntries(counts)), { 'X-Weave-Records': String(counts.size) });
  }

  /** `[used KB, quota KB or null]`. */
  @route('GET', `${ROOT}/info/quota`)
  @authenticated
  async infoQuota(ctx: AppContext) {
    const used = (await this.storage.totalSize(this.userId(ctx))) / 1024;
    return rawJson(`[${pyFloatText(used)}, ${this.sync.useQuota ? this.sync.quotaSize : 'null'}]`);
  }

  /** KB per collection. */
  @route('GET', `${ROOT}/info/collection_usage`)
  @authenticated
  async infoCollectionUsage(ctx: AppContext) {
    const sizes = await this.storage.sizes(this.userId(ctx));
    const parts = [...sizes].map(([name, bytes]) => `${JSON.stringify(name)}: ${pyFloatText(bytes / 1024)}`);
    return rawJson(`{${parts.join(', ')}}`);
  }

  /**
   * 404 as the original answered: it strips the trailing slash before routing, so its
   * `PUT …/storage/` route (400) never matched. A 404, not the 405 of an unrouted method.
   */
  @route('PUT', `${ROOT}/storage`)
  storageRoot() {
    throw new NotFoundError();
  }

  private collection(ctx: AppContext): string {
    const name = ctx.params.collection;
    if (name.length > MAX_COLLECTION_NAME) throw jsonBadRequest(ERROR_INVALID_COLLECTION);
    return name;
  }

  private query(ctx: AppContext): ItemQuery {
    try {
      return parseItemQuery(ctx.query as Record<string, string | string[] | undefined>);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new BadRequestError(err.message);
      throw err;
    }
  }

  /** 412 when the collection changed after `X-If-Unmodified-Since`. */
  private async checkUnmodified(ctx: AppContext, collection: string): Promise<void> {
    const header = ctx.get('X-If-Unmodified-Since');
    if (!header) return;
    let since: number;
    try {
      since = time2bigint(roundTime(header.trim()));
    } catch {
      throw new BadRequestError('Invalid value for "X-If-Unmodified-Since"');
    }
    const stamp = await this.storage.collectionStamp(this.userId(ctx), collection);
    if (stamp !== null && stamp > since) throw new HttpError(412, collection);
  }

  /** KB left under the quota (400 + respcode 14 when none is left); 0 without a quota. */
  private async checkQuota(ctx: AppContext): Promise<number> {
    if (!this.sync.useQuota) return 0;
    const left = this.sync.quotaSize - (await this.storage.totalSize(this.userId(ctx))) / 1024;
    if (left <= 0) throw jsonBadRequest(ERROR_OVER_QUOTA);
    return left;
  }

  private quotaHeaders(left: number): Record<string, string> {
    return this.sync.useQuota && left <= QUOTA_WARNING ? { 'X-Weave-Quota-Remaining': pyFloatText(left) } : {};
  }

  /** The ids (or with `full`, the objects) matching the filters; `X-Weave-Records` counts them. */
  @route('GET', COLLECTION)
  @authenticated
  async getCollection(ctx: AppContext) {
    const query = this.query(ctx);
    const items = await this.storage.getItems(this.userId(ctx), this.collection(ctx), query);
    const texts = items.map((wbo) => (query.full ? wboJson(wbo) : JSON.stringify(wbo.id)));
    return itemsResponse(ctx, texts, { 'X-Weave-Records': String(texts.length) });
  }

  @route('GET', ITEM)
  @authenticated
  async getItem(ctx: AppContext) {
    const wbo = await this.storage.getItem(this.userId(ctx), this.collection(ctx), ctx.params.item);
    if (!wbo) throw new NotFoundError();
    return rawJson(wboJson(wbo));
  }

  /** Stores one object; answers its timestamp (the same text as `X-Weave-Timestamp`). */
  @route('PUT', ITEM, TEXT)
  @authenticated
  async putItem(ctx: AppContext) {
    return this.setItem(ctx, ctx.params.item, this.body(ctx));
  }

  /** `unmodifiedChecked`: the caller (a batch of one) has checked `X-If-Unmodified-Since` already. */
  private async setItem(ctx: AppContext, itemId: string, body: string | { value: unknown }, unmodifiedChecked = false) {
    const collection = this.collection(ctx);
    const user = this.userId(ctx);
    const left = await this.checkQuota(ctx);
    if (!unmodifiedChecked) await this.checkUnmodified(ctx, collection);
    const parsed = typeof body === 'string' ? parseJson(body) : body;
    if (!parsed) throw jsonBadRequest(ERROR_MALFORMED_JSON);
    let raw: Record<string, unknown>;
    try {
      raw = parseWbo(parsed.value);
    } catch (err) {
      if (err instanceof InvalidWboError) throw jsonBadRequest(ERROR_INVALID_WBO);
      throw err;
    }
    const checked = validateWbo(raw);
    if (!checked.ok || itemId.length > MAX_ID_SIZE) throw jsonBadRequest(ERROR_INVALID_WBO);
    const wbo: Wbo = { ...checked.wbo, id: itemId };
    if (this.storage.unstorable(wbo) !== undefined) throw jsonBadRequest(ERROR_INVALID_WBO);
    const now = ctx.state.serverTime;
    await this.storage.setItems(user, collection, [wbo], now, true);
    const modified = wbo.payload !== undefined ? now : await this.storage.itemModified(user, collection, itemId);
    return rawJson(modified ?? 'null', this.quotaHeaders(left));
  }

  /** A batch: a JSON list of objects (or one object); answers `success`, `failed`, `modified`. */
  @route(['POST', 'PUT'], COLLECTION, TEXT)
  @authenticated
  async postCollection(ctx: AppContext) {
    const collection = this.collection(ctx);
    const user = this.userId(ctx);
    await this.checkUnmodified(ctx, collection);
    const parsed = parseJson(this.body(ctx));
    if (!parsed) throw jsonBadRequest(ERROR_MALFORMED_JSON);
    if (!Array.isArray(parsed.value)) {
      // A batch of one.
      const single = parsed.value as Record<string, unknown> | null;
      if (typeof single !== 'object' || single === null || single.id === undefined || single.id === null) {
        throw jsonBadRequest(ERROR_INVALID_WBO);
      }
      const checked = validateWbo(parseWboOr400(single));
      const id = checked.ok ? checked.wbo.id as string : String(single.id);
      if (id.includes('/')) throw jsonBadRequest(ERROR_INVALID_WBO);
      return this.setItem(ctx, id, parsed, true);
    }
    const success: string[] = [];
    const failed: Record<string, string[] | string> = {};
    const kept: Wbo[] = [];
    let totalBytes = 0;
    parsed.value.forEach((item, count) => {
      let raw: Record<string, unknown>;
      try {
        raw = parseWbo(item);
      } catch {
        failed[''] = ['invalid wbo'];
        return;
      }
      if (!('id' in raw)) {
        failed[''] = ['invalid id'];
        return;
      }
      const checked = validateWbo(raw);
      if (!checked.ok) {
        failed[String(raw.id)] = [checked.message];
        return;
      }
      const id = checked.wbo.id as string;
      if (count >= this.sync.batchMaxCount) {
        failed[id] = ['retry wbo'];
        return;
      }
      if (checked.wbo.payload !== undefined) totalBytes += checked.wbo.payload.length;
      if (totalBytes >= this.sync.batchMaxBytes) {
        failed[id] = ['retry bytes'];
        return;
      }
      const unstorable = this.storage.unstorable(checked.wbo);
      if (unstorable !== undefined) {
        failed[id] = [unstorable];
        return;
      }
      kept.push(checked.wbo);
    });
    const left = await this.checkQuota(ctx);
    const now = ctx.state.serverTime;
    const write = async (chunk: Wbo[]) => {
      try {
        await this.storage.setItems(user, collection, chunk, now, false);
        for (const wbo of chunk) success.push(wbo.id as string);
      } catch (err) {
        // An object the database refused (not an outage): the others of its chunk are written
        // one by one, so only it fails.
        if (chunk.length > 1 && classifySqlError(err) === 'invalid') {
          for (const wbo of chunk) await write([wbo]);
          return;
        }
        (ctx.state.log ?? this.logger).error({ err }, 'Could not set items');
        for (const wbo of chunk) failed[wbo.id as string] = 'db error';
      }
    };
    for (let i = 0; i < kept.length; i += this.sync.batchSize) await write(kept.slice(i, i + this.sync.batchSize));
    const body = `{"success": ${JSON.stringify(success)}, "failed": ${JSON.stringify(failed)}, "modified": ${now}}`;
    return rawJson(body, this.quotaHeaders(left));
  }

  /** Deletes the matching objects (all without filters); answers the server time. */
  @route('DELETE', COLLECTION)
  @authenticated
  async deleteCollection(ctx: AppContext) {
    const query = this.query(ctx);
    const collection = this.collection(ctx);
    await this.checkUnmodified(ctx, collection);
    await this.storage.deleteItems(this.userId(ctx), collection, query, ctx.state.serverTime);
    return rawJson(ctx.state.serverTime);
  }

  @route('DELETE', ITEM)
  @authenticated
  async deleteItem(ctx: AppContext) {
    const collection = this.collection(ctx);
    await this.checkUnmodified(ctx, collection);
    await this.storage.deleteItem(this.userId(ctx), collection, ctx.params.item, ctx.state.serverTime);
    return rawJson(ctx.state.serverTime);
  }

  /** Deletes everything the user stored; only with `X-Confirm-Delete` (else 400 + respcode 4). */
  @route('DELETE', `${ROOT}/storage`)
  @authenticated
  async deleteStorage(ctx: AppContext) {
    if (ctx.headers['x-confirm-delete'] === undefined) throw jsonBadRequest(ERROR_INVALID_WRITE);
    await this.storage.deleteStorage(this.userId(ctx));
    return rawJson(ctx.state.serverTime);
  }
}

function parseWboOr400(data: unknown): Record<string, unknown> {
  try {
    return parseWbo(data);
  } catch {
    throw jsonBadRequest(ERROR_INVALID_WBO);
  }
}

