// In your project: from 'services-core'
import {
  ERROR_INVALID_RESET_CODE, ERROR_INVALID_USER, ERROR_INVALID_WRITE, ERROR_MISSING_PASSWORD, ERROR_NO_EMAIL_ADDRESS,
  ERROR_WEAK_PASSWORD, NotFoundError, SyncServerApp, authenticated, cef, checkResetCode, defineSettings, jsonBadRequest, parseBasicAuth,
  route, validEmail, validPassword, type AppContext, type AuthBackend,
} from '../../src';

// The users table holds 32 characters; Sync clients send e-mail hashes or plain names.
const USERNAME = /^[A-Za-z0-9._-]{1,32}$/;

interface Body {
  password?: unknown;
  email?: unknown;
  key?: unknown;
}

/**
 * A user-account service in the style of the Sync 1.x user API, on the configured auth backend
 * (SQL on SQLite in development). Bad input is a 400 whose JSON body is a respcode.
 */
export class AccountsApp extends SyncServerApp {
  static override settingsSchema = defineSettings({
    'accounts.demo_user': ['string', 'none', 'a user seeded at start (development only)'],
    'accounts.demo_password': ['string', 'none', 'its password'],
    'accounts.demo_email': ['string', '<demo_user>@example.com', 'its e-mail address'],
  });

  private get users(): AuthBackend {
    if (!this.auth) throw new TypeError('AccountsApp needs an auth backend (auth.backend)');
    return this.auth;
  }

  private body(ctx: AppContext): Body {
    const body = ctx.request.body;
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Body : {};
  }

  private async userId(username: string) {
    const id = await this.users.getUserId(username);
    if (id === null) throw new NotFoundError('No such user');
    return id;
  }

  /** Whether the name is taken: `1` or `0`. */
  @route('GET', '/user/1.0/:username')
  async exists(ctx: AppContext) {
    return (await this.users.getUserId(ctx.params.username)) === null ? 0 : 1;
  }

  /** Register: `{ "password": ..., "email": ... }`; answers the user name. */
  @route('PUT', '/user/1.0/:username', { body: 'json' })
  @cef(5, { name: 'Account created', signature: 'AccountCreated' })
  async register(ctx: AppContext) {
    const { username } = ctx.params;
    const { password, email } = this.body(ctx);
    // This app's rule (ASCII letters, digits, `.`, `_`, `-`) is stricter than the framework's floor, validUsername().
    if (!USERNAME.test(username)) throw jsonBadRequest(ERROR_INVALID_USER);
    if (password === undefined) throw jsonBadRequest(ERROR_MISSING_PASSWORD);
    if (!validPassword(username, password)) throw jsonBadRequest(ERROR_WEAK_PASSWORD);
    if (!validEmail(email)) throw jsonBadRequest(ERROR_NO_EMAIL_ADDRESS);
    if (!(await this.users.createUser(username, password as string, email as string))) throw jsonBadRequest(ERROR_INVALID_WRITE);
    return username;
  }

  @route('GET', '/user/1.0/:username/info')
  @authenticated
  async info(ctx: AppContext) {
    const info = await this.users.getUserInfo(ctx.state.user!.id);
    return { username: info.username, email: info.email };
  }

  /** `{ "password": new }`; the Basic credentials are the old password (checked by the backend). */
  @route('POST', '/user/1.0/:username/password', { body: 'json' })
  @authenticated
  @cef(7, { name: 'Password change', signature: 'PasswordChange' })
  async changePassword(ctx: AppContext) {
    const { password } = this.body(ctx);
    const user = ctx.state.user!;
    if (password === undefined) throw jsonBadRequest(ERROR_MISSING_PASSWORD);
    if (!validPassword(user.name, password)) throw jsonBadRequest(ERROR_WEAK_PASSWORD);
    const oldPassword = parseBasicAuth(ctx.get('Authorization')).password;
    await this.users.updatePassword(user.id, password as string, { oldPassword });
    return 'success';
  }

  @route('POST', '/user/1.0/:username/email', { body: 'json' })
  @authenticated
  @cef(5, { name: 'Email change', signature: 'EmailChange' })
  async changeEmail(ctx: AppContext) {
    const { email } = this.body(ctx);
    if (!validEmail(email)) throw jsonBadRequest(ERROR_NO_EMAIL_ADDRESS);
    await this.users.updateEmail(ctx.state.user!.id, email as string);
    return email as string;
  }

  /** Sends a reset code to the user's address (here: `deliverResetCode`). */
  @route('GET', '/user/1.0/:username/password_reset')
  async requestReset(ctx: AppContext) {
    const id = await this.userId(ctx.params.username);
    const { email } = await this.users.getUserInfo(id);
    if (!email) throw jsonBadRequest(ERROR_NO_EMAIL_ADDRESS);
    await this.deliverResetCode(ctx, email, await this.users.generateResetCode(id, true));
    return 'success';
  }

  /** `{ "key": code, "password": new }`. */
  @route('POST', '/user/1.0/:username/password_reset', { body: 'json' })
  @cef(7, { name: 'Password reset', signature: 'PasswordReset' })
  async reset(ctx: AppContext) {
    const { key, password } = this.body(ctx);
    const { username } = ctx.params;
    if (!checkResetCode(key)) throw jsonBadRequest(ERROR_INVALID_RESET_CODE);
    if (!validPassword(username, password)) throw jsonBadRequest(ERROR_WEAK_PASSWORD);
    const id = await this.userId(username);
    if (!(await this.users.updatePassword(id, password as string, { key: key as string }))) throw jsonBadRequest(ERROR_INVALID_RESET_CODE);
    return 'success';
  }

  /** The heartbeat: 503 unless the users table answers a query (`SELECT 1` would pass without it). */
  protected override async checkServer(): Promise<void> {
    await this.users.getUserId('__heartbeat__');
  }

  /** Where a reset code goes. Development logs it; production sends it with `sendEmail`. */
  protected async deliverResetCode(ctx: AppContext, email: string, code: string): Promise<void> {
    this.logger.info({ requestId: ctx.state.requestId, email, resetCode: code }, `reset code for ${ctx.params.username}`);
  }

  /**
   * Runs at start (under `listen()`, `callback()`, tests and `serve` alike), once the auth
   * backend is open: seeds `accounts.demo_user` (development) and says how to log in.
   */
  protected override async onStart(): Promise<void> {
    const settings = this.settingsOf(AccountsApp);
    const name = settings['accounts.demo_user'];
    const password = settings['accounts.demo_password'];
    if (name === undefined || password === undefined) return;
    if ((await this.users.getUserId(name)) === null) {
      await this.users.createUser(name, password, settings['accounts.demo_email'] ?? `${name}@example.com`);
    }
    // The password is the config's (accounts.demo_password); a log never holds one.
    this.logger.info({ demoUser: name }, `demo user: ${name}, password: accounts.demo_password`);
  }
}
