/*
 * Bounds on what Shipyard accepts, so that no request can make it store,
 * render or plan something unbounded, and no value reaches the database
 * that PostgreSQL cannot store.
 */

/** The largest number Shipyard accepts in a path, query, cursor or body: 2^31−1, the int32 PostgreSQL and Kubernetes count in. @public */
export const INT32_MAX = 2147483647;

/**
 * Size limits of a spec, checked by `parseSpec` and `validateSpec` with
 * errors that name the field. They are far above what a real service needs:
 * the design's own benchmark plans 2,000 env vars, and Kubernetes caps all
 * annotations of an object at 256 KiB.
 * @public
 */
export const SPEC_LIMITS = {
  /** The whole spec as canonical JSON, in UTF-8 bytes (256 KiB). */
  specBytes: 262144,
  /** Entries of `env`. */
  envEntries: 5000,
  /** Entries of `labels`. */
  labelEntries: 1000,
  /** Entries of `annotations`. */
  annotationEntries: 1000,
  /** Items of any list: `command`, `args`, `ports`, a probe's `exec.command`. */
  listItems: 1000,
  /** Characters of any string: an env value, an argument, an annotation, a key (32 KiB). */
  stringLength: 32768,
  /** Characters of `image` (a registry host, a 255-character name, a tag and a digest fit). */
  imageLength: 512,
  /** Nesting depth of the spec's JSON; the deepest valid field is 4 levels down. */
  depth: 16,
} as const;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNPAIRED_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored or sent on as text, or undefined when it can:
 * PostgreSQL refuses the NUL character in text, and an unpaired UTF-16
 * surrogate has no UTF-8 encoding, so it would be silently replaced.
 * @public
 */
export function unstorableTextError(value: string): string | undefined {
  if (value.includes('\u0000')) {
    return 'must not contain the NUL character (\\u0000)';
  }
  if (UNPAIRED_SURROGATE.test(value)) {
    return 'must be well-formed Unicode: it contains an unpaired surrogate';
  }
  return undefined;
}
