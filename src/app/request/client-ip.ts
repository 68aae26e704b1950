import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../../config/errors';
import type { ConfigValue } from '../../config/types';

/** Loopback, so a local nginx is trusted out of the box. */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.0/8', '::1'];

function plain(address: string): string {
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** An IPv4 address as a number, or undefined. */
function ipv4Number(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (part.length === 0 || part.length > 3 || !Number.isInteger(octet) || octet > 255 || part.trim() !== part) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

/**
 * The client address as seen through trusted reverse proxies: starting at the socket peer,
 * walk `X-Forwarded-For` from the right while the current hop is a trusted proxy. Entries a
 * client wrote itself (left of the first untrusted hop) are never believed (Q-C6).
 */
export class ClientIpResolver {
  // IPv4 ranges are matched here (a BlockList check costs microseconds); IPv6 goes to the BlockList.
  private readonly trustedV4: Array<[start: number, size: number]> = [];
  private readonly trustedV6 = new BlockList();

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
      if (family === 6) {
        if (prefix === undefined) this.trustedV6.addAddress(address, 'ipv6');
        else this.trustedV6.addSubnet(address, prefix, 'ipv6');
      } else {
        const size = 2 ** (32 - (prefix ?? 32));
        const n = ipv4Number(address) as number;
        this.trustedV4.push([n - (n % size), size]);
      }
    }
  }

  isTrusted(address: string): boolean {
    const n = ipv4Number(address);
    if (n !== undefined) return this.trustedV4.some(([start, size]) => n >= start && n < start + size);
    return isIP(address) === 6 && this.trustedV6.check(address, 'ipv6');
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
