import { stringify } from 'yaml';

/** Whether a value is absent from a spec (as opposed to an empty string or zero). */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/**
 * A spec value as text: scalars as they are, env references as
 * `secret payments-db/password`, other objects as YAML. Secret values never
 * reach the UI, only references to them.
 */
export function formatValue(value: unknown): string {
  if (isAbsent(value)) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value !== 'object') {
    return String(value);
  }
  const reference = value as Record<
    string,
    { name?: string; key?: string } | undefined
  >;
  if (reference.secretKeyRef && Object.keys(reference).length === 1) {
    return `secret ${reference.secretKeyRef.name}/${reference.secretKeyRef.key}`;
  }
  if (reference.configMapKeyRef && Object.keys(reference).length === 1) {
    return `configMap ${reference.configMapKeyRef.name}/${reference.configMapKeyRef.key}`;
  }
  return stringify(value, { lineWidth: 0 }).trimEnd();
}
