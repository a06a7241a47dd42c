import { forEachField } from '../spec/fields';
import type { ServiceSpec, SpecChange } from '../types';

/** Field-by-field differences between two specs, in the registry's field order; env references are shown as references, never resolved. @public */
export function diffSpecs(
  before: ServiceSpec | undefined,
  after: ServiceSpec | undefined,
): SpecChange[] {
  const changes: SpecChange[] = [];
  forEachField((name, entry) => {
    changes.push(...entry.diff(name, before?.[name], after?.[name]));
  });
  return changes;
}

export { sameValue, unionOfKeys, ownValue } from './diffHelpers';
