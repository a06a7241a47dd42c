import { canonicalJson } from '../spec/canonical';
import type { SpecChange } from '../types';

/*
 * How spec fields diff; the field registry picks one per field.
 */

/** Whether two JSON values are equal, ignoring object key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) {
    return false;
  }
  return canonicalJson(a) === canonicalJson(b);
}

/** The keys of two maps, sorted by code unit so the order never depends on insertion. */
export function unionOfKeys(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): string[] {
  const keys = new Set(Object.keys(a ?? {}));
  for (const key of Object.keys(b ?? {})) {
    keys.add(key);
  }
  return [...keys].sort();
}

/** A map's own value for a key; never one inherited from Object.prototype. */
export function ownValue<T>(
  map: Record<string, T> | undefined,
  key: string,
): T | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** One change for the whole value, or none. */
export function diffWhole(
  path: string,
  before: unknown,
  after: unknown,
): SpecChange[] {
  if (before === undefined && after === undefined) {
    return [];
  }
  if (before === undefined) {
    return [{ path, kind: 'added', after }];
  }
  if (after === undefined) {
    return [{ path, kind: 'removed', before }];
  }
  return sameValue(before, after)
    ? []
    : [{ path, kind: 'changed', before, after }];
}

type AnyMap = Record<string, unknown> | undefined;

/** A change per key of a map (env, labels). */
export function diffByKey(
  path: string,
  before: unknown,
  after: unknown,
): SpecChange[] {
  return unionOfKeys(before as AnyMap, after as AnyMap).flatMap(key =>
    diffWhole(
      `${path}.${key}`,
      ownValue(before as AnyMap, key),
      ownValue(after as AnyMap, key),
    ),
  );
}

/** A change per key, the known keys first in their order, then any other sorted. */
export function diffKeysInOrder(order: readonly string[]) {
  return (path: string, before: unknown, after: unknown): SpecChange[] => {
    const rest = unionOfKeys(before as AnyMap, after as AnyMap).filter(
      key => !order.includes(key),
    );
    return [...order, ...rest].flatMap(key =>
      diffWhole(
        `${path}.${key}`,
        ownValue(before as AnyMap, key),
        ownValue(after as AnyMap, key),
      ),
    );
  };
}
