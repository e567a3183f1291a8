import { describe, expect, it } from 'vitest';
import { clientAddress, maskedAddress } from './address.js';

describe('client address', () => {
  it('uses the socket peer, unmapping IPv4-in-IPv6', () => {
    expect(clientAddress('127.0.0.1', '', false)).toBe('127.0.0.1');
    expect(clientAddress('0000:0000:0000:0000:0000:ffff:7f00:0001', '', false)).toBe('127.0.0.1');
    expect(clientAddress('::ffff:10.1.2.3', '', false)).toBe('10.1.2.3');
    expect(clientAddress('2001:DB8::1', '', false)).toBe('2001:db8::1');
  });

  it('takes the last X-Forwarded-For entry only when told to trust it', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.9, 198.51.100.7', true)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.5', '203.0.113.9, 198.51.100.7', false)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', 'garbage', true)).toBe('10.0.0.5');
  });

  it('masks addresses for logs', () => {
    expect(maskedAddress('198.51.100.7')).toBe('198.51.100.0/24');
    expect(maskedAddress('2001:db8:1:2::1')).toBe('2001:db8:1::/48');
  });
});
