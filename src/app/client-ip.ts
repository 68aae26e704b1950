import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../config/errors';
import type { ConfigValue } from '../config/types';

/** Loopback, so a local nginx is trusted out of the box. */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1'];

function plain(address: string): string {
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client address as seen through trusted reverse proxies: starting at the socket peer,
 * walk `X-Forwarded-For` from the right while the current hop is a trusted proxy. Entries a
 * client wrote itself (left of the first untrusted hop) are never believed (Q-C6).
 */
export class ClientIpResolver {
  private readonly trusted = new BlockList();

  /** `proxies`: `global.trusted_proxies`, IPs and CIDRs; an empty list trusts nobody. */
  constructor(proxies: ConfigValue | undefined = DEFAULT_TRUSTED_PROXIES) {
    const list = Array.isArray(proxies) ? proxies : String(proxies).split(/[\s,]+/);
    for (const item of list.map(String).filter(Boolean)) {
      const [address, bits, extra] = item.split('/');
      const family = isIP(address);
      const prefix = bits === undefined ? undefined : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || extra !== undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max && /^\d+$/.test(bits)))) {
        throw new ConfigError(`global.trusted_proxies: '${item}' is not an IP address or CIDR range`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.trusted.addAddress(address, type);
      else this.trusted.addSubnet(address, prefix, type);
    }
  }

  isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }

  resolve(peer: string | undefined, forwardedFor: string | undefined): string {
    let client = plain(peer ?? '');
    if (forwardedFor === undefined || !this.isTrusted(client)) return client;
    const hops = forwardedFor.split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = plain(hops[i].trim());
      // A hop that is no address ends the walk: the proxy that wrote it is the last one known.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }
}
