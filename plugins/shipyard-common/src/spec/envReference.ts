import type { EnvValue } from '../types';

/** The Secret or ConfigMap key an env value reads, if it is a reference. @public */
export interface EnvObjectReference {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  optional: boolean;
}

/** What Secret or ConfigMap key `value` reads; undefined for a literal. @public */
export function envReference(value: EnvValue): EnvObjectReference | undefined {
  if (typeof value === 'string') return undefined;
  const [kind, ref] =
    'secretKeyRef' in value
      ? (['Secret', value.secretKeyRef] as const)
      : (['ConfigMap', value.configMapKeyRef] as const);
  return {
    kind,
    name: ref.name,
    key: ref.key,
    optional: ref.optional ?? false,
  };
}
