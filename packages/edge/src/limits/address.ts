// The client address a connection counts against: the socket peer, or behind a trusted proxy the last
// X-Forwarded-For entry (the one that proxy appended). Also the masked form logs may carry.
import { isIPv4, isIPv6 } from 'node:net';

export function clientAddress(remote: string, forwardedFor: string, trustForwardedFor: boolean): string {
  if (trustForwardedFor && forwardedFor !== '') {
    const last = forwardedFor.split(',').at(-1)?.trim() ?? '';
    if (isIPv4(last) || isIPv6(last)) return normalize(last);
  }
  return normalize(remote);
}

/** uWS reports IPv4 peers of dual-stack sockets as IPv4-mapped IPv6; count them as the IPv4 address. */
function normalize(addr: string): string {
  const a = addr.toLowerCase();
  const mapped = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$|^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped?.[3] !== undefined) return mapped[3];
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return a;
}

/** Enough to tell clients apart in an incident, not enough to identify a person: /24 for IPv4, /48 for IPv6. */
export function maskedAddress(addr: string): string {
  if (isIPv4(addr)) return `${addr.split('.').slice(0, 3).join('.')}.0/24`;
  const groups = addr.split(':');
  return `${groups.slice(0, 3).join(':')}::/48`;
}
