import { createHash, randomInt } from 'node:crypto';

export interface ChannelStoreOptions {
  /** Seconds a channel lives after its last write. */
  ttl: number;
  /** Reads after which a channel is closed (deleted). */
  maxGets: number;
  /** Length of a channel id. */
  cidLen: number;
  /** Milliseconds now; injectable for tests. */
  clock?: () => number;
}

export interface Channel {
  data: string;
  /** Quoted, as sent in the ETag header. */
  etag: string;
}

interface Entry extends Channel {
  expires: number;
  gets: number;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const etagOf = (data: string) => `"${createHash('md5').update(data).digest('hex')}"`;

/** Channels in this process's memory (`use_memory`): one worker sees only its own channels. */
export class ChannelStore {
  private readonly channels = new Map<string, Entry>();
  private readonly clock: () => number;
  private creates = 0;

  constructor(private readonly options: ChannelStoreOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** A new, empty channel with an id no live channel has. */
  create(): string {
    // Channels nobody reads again would stay forever: drop the expired ones now and then.
    if (++this.creates % 100 === 0 || this.channels.size >= ALPHABET.length ** this.options.cidLen) this.sweep();
    if (this.channels.size >= ALPHABET.length ** this.options.cidLen) {
      throw new Error(`ChannelStore.create: no free channel id of length ${this.options.cidLen}`);
    }
    for (;;) {
      let cid = '';
      for (let i = 0; i < this.options.cidLen; i++) cid += ALPHABET[randomInt(ALPHABET.length)];
      if (!this.channels.has(cid)) {
        this.write(cid, '');
        return cid;
      }
    }
  }

  /** The channel, without counting a read; undefined once expired or closed. */
  peek(cid: string): Channel | undefined {
    const entry = this.live(cid);
    return entry && { data: entry.data, etag: entry.etag };
  }

  /** Counts a read: the `maxGets`-th read is the last one. */
  read(cid: string): Channel | undefined {
    const entry = this.live(cid);
    if (!entry) return undefined;
    if (++entry.gets >= this.options.maxGets) this.channels.delete(cid);
    return { data: entry.data, etag: entry.etag };
  }

  /** Replaces the data of an existing channel and renews its ttl; returns the new ETag. */
  put(cid: string, data: string): string {
    const entry = this.live(cid);
    if (!entry) throw new Error(`ChannelStore.put: no channel '${cid}'`);
    return this.write(cid, data, entry.gets);
  }

  delete(cid: string): boolean {
    return this.live(cid) !== undefined && this.channels.delete(cid);
  }

  /** Drops every expired channel. */
  sweep(): void {
    const now = this.clock();
    for (const [cid, entry] of this.channels) if (entry.expires <= now) this.channels.delete(cid);
  }

  /** Live channels (expired ones not yet swept included). */
  get size(): number {
    return this.channels.size;
  }

  private write(cid: string, data: string, gets = 0): string {
    const etag = etagOf(data);
    this.channels.set(cid, { data, etag, gets, expires: this.clock() + this.options.ttl * 1000 });
    return etag;
  }

  private live(cid: string): Entry | undefined {
    const entry = this.channels.get(cid);
    if (entry && entry.expires <= this.clock()) {
      this.channels.delete(cid);
      return undefined;
    }
    return entry;
  }
}
