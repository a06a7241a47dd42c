import {
  parseSpec,
  type PromotionPlan,
} from '@shipyard/backstage-plugin-common';

/** The needs-input changes outside env, answered in the promote call's `inputs.values` by their path (DESIGN §11). */
export function valueInputPaths(plan: PromotionPlan | undefined): string[] {
  return (plan?.changes ?? [])
    .filter(
      change =>
        change.action === 'needs-input' && !change.path.startsWith('env.'),
    )
    .map(change => change.path);
}

/** A copy of `spec` with `value` at a field path such as `ports[0].expose.host`, or undefined when the path leads nowhere. */
function withValueAt(spec: unknown, path: string, value: string) {
  const copy = JSON.parse(JSON.stringify(spec));
  const segments = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(
    ([, key, index]) => (index === undefined ? key : Number(index)),
  );
  const parent = segments
    .slice(0, -1)
    .reduce<any>(
      (node, segment) =>
        typeof node?.[segment] === 'object' ? node[segment] : undefined,
      copy,
    );
  if (!parent || segments.length === 0) {
    return undefined;
  }
  parent[segments[segments.length - 1]] = value;
  return copy;
}

/**
 * What is wrong with a value given for a needs-input path, by the shared spec
 * schema on the planned spec with the value in place: the check the backend
 * runs on the promoted spec (a host must be a DNS name, for one).
 */
export function valueInputProblems(
  path: string,
  value: string | undefined,
  plan: PromotionPlan,
): string[] {
  if (!value) {
    return ['Give a value'];
  }
  // The backend refuses it too: a blank value answers nothing.
  if (value.trim() === '') {
    return ['Only spaces: give the value it should have'];
  }
  const spec = withValueAt(plan.spec, path, value);
  if (!spec) {
    return [];
  }
  const result = parseSpec(spec);
  if (result.success) {
    return [];
  }
  return result.errors
    .filter(error => error.path === path || error.path.startsWith(`${path}.`))
    .map(error => error.message);
}
