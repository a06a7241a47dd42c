import { canonicalJson } from '../spec/canonical';
import type { ServiceSpec, SpecChange } from '../types';

const RESOURCE_PATHS = (['requests', 'limits'] as const).flatMap(group =>
  (['cpu', 'memory', 'ephemeral-storage'] as const).map(
    name => [group, name] as const,
  ),
);

const AUTOSCALING_KEYS = [
  'minReplicas',
  'maxReplicas',
  'targetCPUUtilizationPercentage',
  'targetMemoryUtilizationPercentage',
] as const;

/** Field-by-field differences between two specs, in DESIGN §4 field order; env references are shown as references, never resolved. @public */
export function diffSpecs(
  before: ServiceSpec | undefined,
  after: ServiceSpec | undefined,
): SpecChange[] {
  const changes: SpecChange[] = [];
  const compare = (path: string, a: unknown, b: unknown) => {
    const change = compareValues(path, a, b);
    if (change) {
      changes.push(change);
    }
  };
  const compareMap = (
    prefix: string,
    a: Record<string, unknown> | undefined,
    b: Record<string, unknown> | undefined,
  ) => {
    for (const key of unionOfKeys(a, b)) {
      compare(`${prefix}.${key}`, ownValue(a, key), ownValue(b, key));
    }
  };

  compare('image', before?.image, after?.image);
  compare('command', before?.command, after?.command);
  compare('args', before?.args, after?.args);
  compare('ports', before?.ports, after?.ports);
  compareMap('env', before?.env, after?.env);
  for (const [group, name] of RESOURCE_PATHS) {
    compare(
      `resources.${group}.${name}`,
      before?.resources?.[group]?.[name],
      after?.resources?.[group]?.[name],
    );
  }
  compare('replicas', before?.replicas, after?.replicas);
  for (const key of AUTOSCALING_KEYS) {
    compare(
      `autoscaling.${key}`,
      before?.autoscaling?.[key],
      after?.autoscaling?.[key],
    );
  }
  compare('readinessProbe', before?.readinessProbe, after?.readinessProbe);
  compare('livenessProbe', before?.livenessProbe, after?.livenessProbe);
  compare('startupProbe', before?.startupProbe, after?.startupProbe);
  compareMap('labels', before?.labels, after?.labels);
  compareMap('annotations', before?.annotations, after?.annotations);
  return changes;
}

function compareValues(
  path: string,
  before: unknown,
  after: unknown,
): SpecChange | undefined {
  if (before === undefined && after === undefined) {
    return undefined;
  }
  if (before === undefined) {
    return { path, kind: 'added', after };
  }
  if (after === undefined) {
    return { path, kind: 'removed', before };
  }
  if (sameValue(before, after)) {
    return undefined;
  }
  return { path, kind: 'changed', before, after };
}

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
