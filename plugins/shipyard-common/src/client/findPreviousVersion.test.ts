import type { Version, VersionPage, VersionStatus } from '../types';
import { findPreviousVersion } from './findPreviousVersion';

const ref = 'component:default/payments';

function version(
  number: number,
  status: VersionStatus,
  specHash: string,
): Version {
  return {
    service: ref,
    workspace: 'prod',
    number,
    spec: { image: `nginx:${specHash}` },
    specHash,
    origin: { type: 'deploy' },
    status,
    createdBy: 'user:default/mock',
    createdAt: '2026-12-01T12:00:00Z',
  };
}

/** A history served newest first, `pageSize` versions a page. */
function history(versions: Version[], pageSize = 100) {
  const newestFirst = [...versions].sort((a, b) => b.number - a.number);
  const listVersions = jest.fn(
    async (
      _ref: string,
      _workspace: string,
      options: { limit?: number; cursor?: string } = {},
    ): Promise<VersionPage> => {
      const start = Number(options.cursor ?? 0);
      const end = start + pageSize;
      return {
        items: newestFirst.slice(start, end),
        nextCursor: end < newestFirst.length ? String(end) : undefined,
        totalCount: newestFirst.length,
      };
    },
  );
  return { listVersions };
}

describe('findPreviousVersion', () => {
  it('is the newest older version that succeeded', async () => {
    const current = version(3, 'succeeded', 'c');
    const client = history([
      version(1, 'succeeded', 'a'),
      version(2, 'succeeded', 'b'),
      current,
    ]);
    await expect(
      findPreviousVersion(client, ref, current),
    ).resolves.toMatchObject({ number: 2 });
    expect(client.listVersions).toHaveBeenCalledWith(ref, 'prod', {
      limit: 100,
      cursor: undefined,
    });
  });

  it('skips failed versions and those with the current spec, and counts recorded ones', async () => {
    const current = version(5, 'succeeded', 'b');
    const client = history([
      version(1, 'succeeded', 'a'),
      version(2, 'recorded', 'c'),
      version(3, 'failed', 'd'),
      version(4, 'succeeded', 'b'),
      current,
    ]);
    await expect(
      findPreviousVersion(client, ref, current),
    ).resolves.toMatchObject({ number: 2 });
  });

  it('looks only below the current version, which need not be the latest', async () => {
    const current = version(2, 'succeeded', 'b');
    const client = history([
      version(1, 'succeeded', 'a'),
      current,
      version(3, 'succeeded', 'c'),
    ]);
    await expect(
      findPreviousVersion(client, ref, current),
    ).resolves.toMatchObject({ number: 1 });
  });

  it('pages through the history', async () => {
    const current = version(250, 'succeeded', 'b');
    const versions = [version(1, 'succeeded', 'a')];
    for (let n = 2; n < 250; n++) versions.push(version(n, 'failed', `${n}`));
    const client = history([...versions, current], 100);
    await expect(
      findPreviousVersion(client, ref, current),
    ).resolves.toMatchObject({ number: 1 });
    expect(client.listVersions).toHaveBeenCalledTimes(3);
  });

  it('is undefined when no older version qualifies', async () => {
    const current = version(2, 'succeeded', 'a');
    const client = history([version(1, 'succeeded', 'a'), current]);
    await expect(
      findPreviousVersion(client, ref, current),
    ).resolves.toBeUndefined();
  });
});
