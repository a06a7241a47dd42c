import {
  compareQuantities,
  DriftReport,
  KubernetesObject,
  objectsView,
  parseQuantity,
  SPEC_FIELD_NAMES,
  SPEC_FIELDS,
} from '@shipyard/backstage-plugin-common';

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Compares what Shipyard set with what is live: every field of `expected`
 * must be live with the same value (the API server adds defaults, which are
 * not drift). Lists of named items (env, ports, containers) are matched by
 * name, so an added or removed item is drift too.
 */
function compare(expected: Json, live: Json, path: string, out: Array<{ path: string; expected?: Json; live?: Json }>) {
  if (Array.isArray(expected)) {
    if (!Array.isArray(live)) {
      out.push({ path, expected, live });
      return;
    }
    const named = expected.every(e => isObject(e) && typeof e.name === 'string');
    if (named) {
      const liveByName = new Map(live.filter(isObject).map(l => [l.name as string, l]));
      for (const item of expected as Array<Record<string, Json>>) {
        const match = liveByName.get(item.name as string);
        const at = `${path}.${item.name}`;
        if (!match) out.push({ path: at, expected: item });
        else compare(item, match, at, out);
        liveByName.delete(item.name as string);
      }
      for (const [name, extra] of liveByName) out.push({ path: `${path}.${name}`, live: extra });
      return;
    }
    if (expected.length !== live.length) {
      out.push({ path, expected, live });
      return;
    }
    expected.forEach((item, i) => compare(item, live[i], `${path}[${i}]`, out));
    return;
  }
  if (isObject(expected)) {
    if (!isObject(live)) {
      out.push({ path, expected, live });
      return;
    }
    for (const [key, value] of Object.entries(expected)) {
      compare(value, live[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (expected === live || String(expected) === String(live)) return;
  // The API server normalises quantities ("1000m" CPU becomes "1").
  if (/(^|\.)resources\.(limits|requests)\./.test(path) && typeof expected === 'string' && typeof live === 'string') {
    const a = parseQuantity(expected);
    const b = parseQuantity(live);
    if (a && b && compareQuantities(a, b) === 0) return;
  }
  out.push({ path, expected, live });
}

/**
 * Drift of the live objects against the ones the current version rendered,
 * field by field as the spec's field registry reads them, in the spec's
 * words (`image`, `env.DEBUG`, `autoscaling.maxReplicas`). `live` holds the
 * objects found, by kind.
 */
export function detectDrift(
  expected: KubernetesObject[],
  live: Map<string, KubernetesObject | undefined>,
): DriftReport {
  const fields: DriftReport['fields'] = [];
  const expectedByKind = new Map(expected.map(object => [object.kind, object]));
  for (const object of expected) {
    if (!live.get(object.kind)) {
      fields.push({ path: `${object.kind} ${object.metadata.name}`, expected: 'present', live: 'missing' });
    }
  }
  const rendered = objectsView(kind => expectedByKind.get(kind));
  // A missing object is reported once above, not again for every field it carries.
  const found = objectsView(kind => live.get(kind) ?? expectedByKind.get(kind));
  for (const name of SPEC_FIELD_NAMES) {
    const read = SPEC_FIELDS[name].drift;
    const want = read?.(rendered);
    if (read && want !== undefined) {
      compare(want, read(found), name, fields);
    }
  }
  for (const [kind, object] of live) {
    if (object && !expectedByKind.has(kind)) {
      fields.push({ path: `${kind} ${object.metadata.name}`, expected: 'absent', live: 'present' });
    }
  }
  return { checkedAt: new Date().toISOString(), drifted: fields.length > 0, fields };
}
