/** A spec as written, valid or not: what the form reads and edits. */
export type DraftSpec = Record<string, any>;

/** An element id for the form field of a spec path, so each label names its input. */
export function fieldId(path: string): string {
  return `shipyard-spec-form-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

/** A copy of `spec` with `field` set, or removed when `value` is undefined. */
export function setField(
  spec: DraftSpec,
  field: string,
  value: unknown,
): DraftSpec {
  const next = { ...spec };
  if (value === undefined) {
    delete next[field];
  } else {
    next[field] = value;
  }
  return next;
}

/** A whole number as a number, other text as typed, so the schema names what is wrong with it. */
export function numberOrText(text: string): number | string | undefined {
  if (text.trim() === '') return undefined;
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}

/** The list a spec field holds, or none while it is not a list yet. */
export function listOf(value: unknown): Array<Record<string, any>> {
  return Array.isArray(value) ? value : [];
}

/** What each section of the form is given: the spec, its errors by path, and where changes go. */
export type SpecSectionProps = {
  spec: DraftSpec;
  errorAt: (path: string) => string | undefined;
  onChange: (spec: DraftSpec) => void;
};
