// In your project: from 'services-core'
import {
  Config, ConfigError, HttpError, HttpResponse, NotFoundError, SyncServerApp, defineSettings, jsonResponse, route,
  type AppContext, type AppOptions, type FlatConfig,
} from '../../src';
import { ChannelStore } from './channel-store';

/** Whether an If-Match / If-None-Match header names this ETag (`*` names any). */
function matches(header: string, etag: string): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * A channel server in the spirit of Mozilla's J-PAKE key exchange: two devices meet on a
 * short-lived channel and swap messages through it. No auth: the channel id is the secret,
 * which is why it closes after `max_gets` reads and expires after `ttl` seconds.
 */
export class KeyExchangeApp extends SyncServerApp {
  // Checked by type at construction (and by `config`/`serve`), naming file, line and key.
  static override settingsSchema = defineSettings({
    'keyexchange.max_gets': ['integer 1–1000000', '`10`', 'reads after which a channel closes'],
    'keyexchange.ttl': ['integer 1–86400', '`300`', 'seconds a channel lives after its last write'],
    'keyexchange.cid_len': ['integer 1–64', '`4`', 'characters of a channel id'],
    'keyexchange.root_redirect': ['URL', 'none', 'where `GET /` redirects (404 without)'],
    'keyexchange.use_memory': ['boolean', '`true`', 'the in-memory store, the only one here'],
  });

  readonly channels: ChannelStore;
  private readonly rootRedirect?: string;

  constructor(config: Config | FlatConfig, options?: AppOptions) {
    super(config, options);
    const settings = this.settingsOf(KeyExchangeApp);
    if (!settings['keyexchange.use_memory']) {
      throw new ConfigError('keyexchange.use_memory = false: this sample only has the in-memory store (memcached is not implemented)');
    }
    this.channels = new ChannelStore({
      ttl: settings['keyexchange.ttl'], maxGets: settings['keyexchange.max_gets'], cidLen: settings['keyexchange.cid_len'],
    });
    this.rootRedirect = settings['keyexchange.root_redirect'];
  }

  @route('GET', '/')
  root() {
    if (!this.rootRedirect) throw new NotFoundError();
    return new HttpResponse('', { status: 302, headers: { Location: this.rootRedirect } });
  }

  @route('GET', '/new_channel')
  newChannel() {
    return jsonResponse(this.channels.create());
  }

  /** The channel's data; 304 when `If-None-Match` names its ETag. Every read counts. */
  @route('GET', '/{cid:[a-z0-9]+}')
  getChannel(ctx: AppContext) {
    const channel = this.channels.read(ctx.params.cid);
    if (!channel) throw new NotFoundError('No such channel');
    const ifNoneMatch = ctx.get('If-None-Match');
    if (ifNoneMatch && matches(ifNoneMatch, channel.etag)) return new HttpResponse('', { status: 304, headers: { ETag: channel.etag } });
    return new HttpResponse(channel.data, { headers: { ETag: channel.etag, 'Content-Type': 'application/json' } });
  }

  /** Replaces the data (JSON); `If-Match` makes it conditional (412 when the data changed). */
  @route('PUT', '/{cid:[a-z0-9]+}', { body: 'json', limit: 64 * 1024 })
  putChannel(ctx: AppContext) {
    const { cid } = ctx.params;
    const channel = this.channels.peek(cid);
    if (!channel) throw new NotFoundError('No such channel');
    const ifMatch = ctx.get('If-Match');
    if (ifMatch && !matches(ifMatch, channel.etag)) throw new HttpError(412, 'The channel changed (If-Match)');
    const etag = this.channels.put(cid, JSON.stringify(ctx.request.body));
    return new HttpResponse('', { headers: { ETag: etag } });
  }

  /** A client is done with the channel. */
  @route('DELETE', '/{cid:[a-z0-9]+}')
  deleteChannel(ctx: AppContext) {
    if (!this.channels.delete(ctx.params.cid)) throw new NotFoundError('No such channel');
    return '';
  }
}
