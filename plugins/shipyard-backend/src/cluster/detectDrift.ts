import {
  compareQuantities,
  DriftReport,
  KubernetesObject,
  parseQuantity,
} from '@shipyard/backstage-plugin-common';

type Json = unknown;

/** Where a Kubernetes path lives in the spec, so drift speaks the spec's words. */
function specPathOf(kind: string, path: string): string {
  if (kind === 'Deployment') {
    if (path === 'spec.replicas') return 'replicas';
    // Containers are matched by name: spec.template.spec.containers.<name>.<field>…
    const container = /^spec\.template\.spec\.containers\.[^.]+\.(\w+)(.*)$/.exec(path);
    if (container) {
      const [, field, rest] = container;
      if (field === 'env') return rest.startsWith('.') ? `env${rest}` : 'env';
      if (field === 'ports') return 'ports';
      return `${field}${rest}`;
    }
    return `deployment.${path}`;
  }
  if (kind === 'Service') return `service.${path}`;
  if (kind === 'HorizontalPodAutoscaler') return `autoscaling (${path})`;
  return `${kind}.${path}`;
}

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
  if (/\.resources\.(limits|requests)\./.test(path) && typeof expected === 'string' && typeof live === 'string') {
    const a = parseQuantity(expected);
    const b = parseQuantity(live);
    if (a && b && compareQuantities(a, b) === 0) return;
  }
  out.push({ path, expected, live });
}

/** The subtrees of each kind that Shipyard manages and checks for drift. */
function managedParts(object: KubernetesObject): Record<string, Json> {
  const spec = (object as any).spec ?? {};
  switch (object.kind) {
    case 'Deployment': {
      const parts: Record<string, Json> = {};
      if (spec.replicas !== undefined) parts['spec.replicas'] = spec.replicas;
      parts['spec.template.spec.containers'] = spec.template?.spec?.containers;
      return parts;
    }
    case 'Service':
      return { 'spec.ports': spec.ports };
    case 'HorizontalPodAutoscaler':
      return { 'spec.minReplicas': spec.minReplicas, 'spec.maxReplicas': spec.maxReplicas, 'spec.metrics': spec.metrics };
    default:
      return {};
  }
}

function get(object: Json, dotted: string): Json {
  return dotted.split('.').reduce<Json>((acc, key) => (isObject(acc) ? acc[key] : undefined), object);
}

/**
 * Drift of the live objects against the ones the current version rendered,
 * on the fields Shipyard manages. `live` holds the objects found, by kind.
 */
export function detectDrift(
  expected: KubernetesObject[],
  live: Map<string, KubernetesObject | undefined>,
): DriftReport {
  const fields: DriftReport['fields'] = [];
  for (const object of expected) {
    const found = live.get(object.kind);
    if (!found) {
      fields.push({ path: `${object.kind} ${object.metadata.name}`, expected: 'present', live: 'missing' });
      continue;
    }
    for (const [path, value] of Object.entries(managedParts(object))) {
      const raw: Array<{ path: string; expected?: Json; live?: Json }> = [];
      compare(value, get(found, path), path, raw);
      for (const f of raw) {
        fields.push({ ...f, path: specPathOf(object.kind, f.path) });
      }
    }
  }
  for (const [kind, object] of live) {
    if (object && !expected.some(e => e.kind === kind)) {
      fields.push({ path: `${kind} ${object.metadata.name}`, expected: 'absent', live: 'present' });
    }
  }
  return { checkedAt: new Date().toISOString(), drifted: fields.length > 0, fields };
}
