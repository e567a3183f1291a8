// Which topics a principal may subscribe to: patterns over canonical topic keys — `*` (everything), an exact key
// (`blocks`, `address:E…`), or a prefix ending in `*` (`address:*`, `asset:MYCOIN*`).
import type { Topic } from '@chainfan/protocol';

export class TopicAcl {
  static readonly ALL = new TopicAcl(['*']);
  static readonly NONE = new TopicAcl([]);

  readonly #all: boolean;
  readonly #exact: ReadonlySet<string>;
  readonly #prefixes: readonly string[];

  /** Unknown spellings are kept as exact keys and simply never match. */
  constructor(patterns: readonly string[]) {
    this.#all = patterns.includes('*');
    this.#exact = new Set(patterns.filter((p) => !p.endsWith('*')).map(canonical));
    this.#prefixes = patterns.filter((p) => p.endsWith('*') && p !== '*').map((p) => p.slice(0, -1));
  }

  /** Patterns from an untrusted claim: only an array of strings counts; anything else grants nothing. */
  static fromClaim(claim: unknown, maxPatterns = 256): TopicAcl {
    if (!Array.isArray(claim)) return TopicAcl.NONE;
    return new TopicAcl(claim.slice(0, maxPatterns).filter((p): p is string => typeof p === 'string' && p.length <= 256));
  }

  get allowsAnything(): boolean {
    return this.#all || this.#exact.size > 0 || this.#prefixes.length > 0;
  }

  allows(topic: Topic): boolean {
    if (this.#all || this.#exact.has(topic.key)) return true;
    for (const p of this.#prefixes) if (topic.key.startsWith(p)) return true;
    return false;
  }
}

/** The singular spellings evrmore-rpc accepts name the same topics as the plural ones. */
const ALIASES: Readonly<Record<string, string>> = { block: 'blocks', transaction: 'transactions', asset: 'assets', reorg: 'reorgs' };

function canonical(p: string): string {
  return ALIASES[p] ?? p;
}
