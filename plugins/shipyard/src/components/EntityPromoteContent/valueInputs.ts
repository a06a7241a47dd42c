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

/** Sets `value` at a field path such as `ports[0].expose.host`; false when the path leads nowhere. */
function setValueAt(copy: unknown, path: string, value: string): boolean {
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
    return false;
  }
  parent[segments[segments.length - 1]] = value;
  return true;
}

/**
 * What is wrong with a value given for a needs-input path, by the shared spec
 * schema on the planned spec with the value in place: the check the backend
 * runs on the promoted spec (a host must be a DNS name, for one).
 */
export function valueInputProblems(
  path: string,
  /** Every value given so far, by path: the others are in place too, so two ports given one route clash. */
  values: Record<string, string>,
  plan: PromotionPlan,
): string[] {
  const value = values[path];
  if (!value) {
    return ['Give a value'];
  }
  // The backend refuses it too: a blank value answers nothing.
  if (value.trim() === '') {
    return ['Only spaces: give the value it should have'];
  }
  const spec = JSON.parse(JSON.stringify(plan.spec));
  for (const other of valueInputPaths(plan)) {
    if (other !== path && values[other]?.trim()) {
      setValueAt(spec, other, values[other]);
    }
  }
  if (!setValueAt(spec, path, value)) {
    return [];
  }
  const result = parseSpec(spec);
  if (result.success) {
    return [];
  }
  // A check of the whole (two ports exposing one route) names the object above the value.
  const above = (errorPath: string) =>
    path.startsWith(`${errorPath}.`) || path.startsWith(`${errorPath}[`);
  return result.errors
    .filter(
      error =>
        error.path === path ||
        error.path.startsWith(`${path}.`) ||
        above(error.path),
    )
    .map(error =>
      above(error.path) ? `${error.path}: ${error.message}` : error.message,
    );
}
