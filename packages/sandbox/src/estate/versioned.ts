/**
 * A Map that counts its changes, so that what the services derive from it on every call (a bucket's keys in
 * order, an account's resources in ARN order) is computed once per change rather than once per request: a
 * 100,000-resource estate otherwise spends its first Tagging pages sorting.
 */
export class VersionedMap<K, V> extends Map<K, V> {
  version = 0;

  override set(key: K, value: V): this {
    this.version++;
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    this.version++;
    return super.delete(key);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

/** A value derived from a VersionedMap, per key, recomputed only after the map changed. */
export function derivedCache<K, V, T>(): (map: VersionedMap<K, V>, key: string, compute: () => T) => T {
  const cache = new WeakMap<VersionedMap<K, V>, Map<string, { version: number; value: T }>>();
  return (map, key, compute) => {
    let entries = cache.get(map);
    if (!entries) {
      entries = new Map();
      cache.set(map, entries);
    }
    const hit = entries.get(key);
    if (hit && hit.version === map.version) return hit.value;
    const value = compute();
    entries.set(key, { version: map.version, value });
    return value;
  };
}
