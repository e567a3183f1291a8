// Test-only: signs compact JWS tokens with node:crypto (the edge only ever verifies).
import { createHmac, type KeyObject, sign } from 'node:crypto';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signJwt(alg: 'HS256' | 'RS256' | 'ES256', key: KeyObject | string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  let sig: Buffer;
  switch (alg) {
    case 'HS256':
      sig = createHmac('sha256', key).update(input).digest();
      break;
    case 'RS256':
      sig = sign('sha256', Buffer.from(input), key as KeyObject);
      break;
    case 'ES256':
      sig = sign('sha256', Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
  }
  return `${input}.${sig.toString('base64url')}`;
}

/** NumericDate `s` seconds from now. */
export const inSeconds = (s: number): number => Math.floor(Date.now() / 1000) + s;
