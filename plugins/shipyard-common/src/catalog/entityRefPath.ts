import { InputError } from '@backstage/errors';

/** Turns an entity ref into the `{kind}/{namespace}/{name}` of API paths: `component:default/payments` → `component/default/payments`. @public */
export function entityRefToPath(ref: string): string {
  const match = /^([^:/]+):(?:([^/]+)\/)?([^/]+)$/.exec(ref);
  if (!match) {
    throw new InputError(
      `Invalid entity ref "${ref}": expected kind:namespace/name, e.g. component:default/payments`,
    );
  }
  const [, kind, namespace = 'default', name] = match;
  return [lower(kind), lower(namespace), name]
    .map(encodeURIComponent)
    .join('/');
}

/** Builds the entity ref of API path parts, lowercasing kind and namespace as Backstage's stringifyEntityRef does. @public */
export function entityRefFromPath(
  kind: string,
  namespace: string,
  name: string,
): string {
  for (const [part, value] of [
    ['kind', kind],
    ['namespace', namespace],
    ['name', name],
  ]) {
    if (!value || /[:/]/.test(value)) {
      throw new InputError(`Invalid entity ${part} "${value}" in path`);
    }
  }
  return `${lower(kind)}:${lower(namespace)}/${name}`;
}

function lower(text: string): string {
  return text.toLocaleLowerCase('en-US');
}
