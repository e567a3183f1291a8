// Types of closure.mjs for the tests that import it.
export interface LockEntry {
  readonly name?: string;
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dev?: boolean;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}
export interface Lockfile {
  readonly packages: Readonly<Record<string, LockEntry>>;
}
export function productionClosure(lock: Lockfile, apps: readonly string[], opts?: { exclude?: readonly string[]; platform?: string }): string[];
export function packageName(lock: Lockfile, location: string): string;
