import type { Logger } from 'pino';
import type { FlatConfig } from '../../config/types';
import type { AppState, AppUser } from '../types';

/**
 * `ctx.state` of an app request: a class, so every request's state has the same shape, and
 * `log` lives on the prototype: the child logger carrying the request id is only made when
 * a request logs.
 */
export class RequestState implements AppState {
  [key: string]: unknown;
  declare user?: AppUser;
  readonly #logger: Logger;
  #log?: Logger;

  constructor(logger: Logger, public requestId: string, public clientIp: string, public serverTime: string, public config: FlatConfig) {
    this.#logger = logger;
  }

  /** The app's `syncserver` logger with this request's `requestId` on every line. */
  get log(): Logger {
    this.#log ??= this.#logger.child({ requestId: this.requestId });
    return this.#log;
  }
}
