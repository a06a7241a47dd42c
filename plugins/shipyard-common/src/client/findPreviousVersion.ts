import type { Version } from '../types';
import type { ShipyardApi } from './ShipyardApi';

/**
 * The version a rollback to `previous` restores: the newest version numbered
 * below `current` whose rollout succeeded (or that was `recorded`, in a
 * workspace without a cluster) and whose spec differs from `current`'s, so
 * that redeploying a spec does not make `previous` a no-op. Undefined when
 * there is none.
 * @public
 */
export async function findPreviousVersion(
  client: Pick<ShipyardApi, 'listVersions'>,
  entityRef: string,
  current: Pick<Version, 'workspace' | 'number' | 'specHash'>,
): Promise<Version | undefined> {
  let cursor: string | undefined;
  do {
    const page = await client.listVersions(entityRef, current.workspace, {
      limit: 100,
      cursor,
    });
    const previous = page.items.find(
      v =>
        v.number < current.number &&
        (v.status === 'succeeded' || v.status === 'recorded') &&
        v.specHash !== current.specHash &&
        // Rejected versions (DESIGN §11) can no longer be rolled back to.
        !(v as Version & { rejection?: unknown }).rejection,
    );
    if (previous) {
      return previous;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return undefined;
}
