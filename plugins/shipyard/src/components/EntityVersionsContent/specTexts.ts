import { storageApiRef, useApi } from '@backstage/core-plugin-api';
import {
  canonicalJson,
  parseSpecYamlWithLines,
  stringifySpec,
  type Version,
} from '@shipyard/backstage-plugin-common';
import { useMemo } from 'react';

/** How many deployed texts a browser remembers. */
export const REMEMBERED_TEXTS = 50;

const INDEX = 'specTexts';

/**
 * The YAML a user deployed from this browser, by the spec hash of the version
 * it became: editing that version (or a rollback to it) opens the text as it
 * was written (its key order, its comments) rather than the canonical form
 * the backend stores. A text is used only while it still parses to exactly
 * the version's spec.
 */
export function useSpecTexts() {
  const storageApi = useApi(storageApiRef);
  return useMemo(() => {
    const bucket = storageApi.forBucket('shipyard');
    const index = () => bucket.snapshot<string[]>(INDEX).value ?? [];
    return {
      /** The text to edit `version` from: the remembered one, or the spec in canonical order. */
      textOf(version: Version): string {
        const remembered = bucket.snapshot<string>(
          `specText:${version.specHash}`,
        ).value;
        if (typeof remembered === 'string') {
          const parsed = parseSpecYamlWithLines(remembered);
          if (
            parsed.success &&
            canonicalJson(parsed.spec) === canonicalJson(version.spec)
          ) {
            return remembered;
          }
        }
        return stringifySpec(version.spec);
      },
      /** Remembers the text a version was deployed from. */
      remember(version: Version, text: string) {
        if (!version.specHash) {
          return;
        }
        const key = `specText:${version.specHash}`;
        const keys = [...index().filter(k => k !== key), key];
        for (const old of keys.splice(0, keys.length - REMEMBERED_TEXTS)) {
          bucket.remove(old);
        }
        bucket.set(key, text);
        bucket.set(INDEX, keys);
      },
    };
  }, [storageApi]);
}
