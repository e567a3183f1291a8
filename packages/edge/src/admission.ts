// Admission at upgrade, before a socket exists: draining, Origin, connections per edge and per
// address (reserved synchronously, so a burst of parallel upgrades cannot slip past), credentials, then the
// cluster-wide per-key lease. Every refusal is an HTTP status with its REJECT code, counted by reason or limit.
import type { RejectKind } from '@chainfan/protocol';
import type { EdgeMetrics, Logger } from '@chainfan/telemetry';
import type { Authenticator, Principal } from './auth/authenticator.js';
import { extractCredential } from './auth/credentials.js';
import type { OriginPolicy } from './auth/origin-policy.js';
import type { EdgeConfig } from './config.js';
import { clientAddress, maskedAddress } from './limits/address.js';
import type { KeyLeases } from './limits/key-leases.js';
import type { UpgradeRequest } from './transport/ws-transport.js';

/** The counts and the lease one connection holds from admission until it closes. */
export interface AdmissionSlot {
  readonly address: string;
  lease: { readonly key: string; readonly holder: string } | undefined;
  released: boolean;
}

/** What an admitted connection carries: its slot (given back exactly once by `release`) and who it is. */
export interface AdmissionTicket {
  readonly slot: AdmissionSlot;
  readonly principal: Principal;
  /** subprotocol to answer the handshake with ('' = none) */
  readonly protocol: string;
}

export type AdmissionResult = { readonly ok: true; readonly ticket: AdmissionTicket } | { readonly ok: false; readonly reject: RejectKind };

/** What a dialect's documentation promises at admission (Rustorium: a token always, at most 10 connections per key). */
export interface DialectAdmission {
  /** the dialect's own per-key limit, counted under a lease key of its own (`<scope>:<key>`) apart from other dialects */
  readonly keyLimit?: { readonly maxConnectionsPerKey: number; readonly scope: string };
  /** no credential: refused (when the edge accepts credentials at all), even if anonymous access is open */
  readonly requiresCredentials?: boolean;
}

export interface AdmissionDeps {
  readonly config: EdgeConfig;
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  readonly leases: KeyLeases;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
}

export class Admission {
  readonly #d: AdmissionDeps;
  readonly #perAddress = new Map<string, number>();
  #reserved = 0;

  constructor(deps: AdmissionDeps) {
    this.#d = deps;
  }

  /** Connections admitted or being admitted, and not released. */
  get reserved(): number {
    return this.#reserved;
  }

  /** `refusing()` is asked again after every await: a drain that starts meanwhile turns the answer into 503. */
  async admit(req: UpgradeRequest, refusing: () => boolean, dialect: DialectAdmission = {}): Promise<AdmissionResult> {
    const keyLimit = dialect.keyLimit;
    const { config: cfg, metrics } = this.#d;
    if (refusing()) return { ok: false, reject: 'draining' };
    if (!this.#d.origins.allows(req.origin)) {
      metrics.authFailures.inc({ reason: 'origin' });
      return { ok: false, reject: 'originNotAllowed' };
    }
    if (cfg.maxConnections > 0 && this.#reserved >= cfg.maxConnections) return this.#limit('connections_per_edge', 'edgeFull');
    const address = clientAddress(req.remoteAddress, req.forwardedFor, cfg.trustForwardedFor);
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (cfg.maxConnectionsPerAddress > 0 && fromAddress >= cfg.maxConnectionsPerAddress) {
      if (this.#d.log.isLevelEnabled('debug')) this.#d.log.debug({ event: 'limits.address', address: maskedAddress(address) }, 'too many connections from one address');
      return this.#limit('connections_per_address', 'tooManyFromAddress');
    }
    this.#reserved++;
    this.#perAddress.set(address, fromAddress + 1);
    const slot: AdmissionSlot = { address, lease: undefined, released: false };
    const refuse = (reject: RejectKind): AdmissionResult => {
      this.release(slot);
      return { ok: false, reject };
    };

    const { credential, protocol } = extractCredential(req);
    if (credential === undefined && dialect.requiresCredentials === true && this.#d.authenticator.acceptsCredentials) {
      metrics.authFailures.inc({ reason: 'missing' });
      return refuse('authRequired');
    }
    const auth = await this.#d.authenticator.authenticate(credential);
    if (!auth.ok) {
      metrics.authFailures.inc({ reason: auth.reason });
      return refuse(auth.reject);
    }
    const principal = auth.principal;
    const perKey = keyLimit?.maxConnectionsPerKey ?? cfg.maxConnectionsPerKey;
    if (principal.limitKey !== undefined && perKey > 0) {
      const holder = this.#d.leases.newHolder();
      const leaseKey = keyLimit === undefined ? principal.limitKey : `${keyLimit.scope}:${principal.limitKey}`;
      const verdict = await this.#d.leases.acquire(leaseKey, holder, perKey);
      if (verdict === 'full') {
        metrics.limitHits.inc({ limit: 'connections_per_key' });
        this.#d.log.info({ event: 'limits.key', principal: principal.id }, 'API key at its cluster-wide connection limit');
        return refuse('tooManyForKey');
      }
      slot.lease = { key: leaseKey, holder };
    }
    if (refusing()) return refuse('draining');
    metrics.authSuccesses.inc({ reason: principal.kind });
    return { ok: true, ticket: { slot, principal, protocol } };
  }

  /** Gives back the slot's counts and lease; idempotent. */
  release(slot: AdmissionSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.#reserved--;
    const n = (this.#perAddress.get(slot.address) ?? 1) - 1;
    if (n <= 0) this.#perAddress.delete(slot.address);
    else this.#perAddress.set(slot.address, n);
    if (slot.lease !== undefined) this.#d.leases.release(slot.lease.key, slot.lease.holder);
  }

  #limit(limit: string, reject: RejectKind): AdmissionResult {
    this.#d.metrics.limitHits.inc({ limit });
    return { ok: false, reject };
  }
}
