import { mockServices } from '@backstage/backend-test-utils';
import {
  Version,
  VersionDetail,
  VersionStatus,
} from '@shipyard/backstage-plugin-common';
import { followVersion } from './followVersion';

const applying: Version = {
  service: 'component:default/payments',
  workspace: 'dev',
  number: 3,
  spec: { image: 'nginx:1.27' },
  specHash: 'abc',
  origin: { type: 'scaffolder' },
  status: 'applying',
  createdBy: 'user:default/mock',
  createdAt: '2026-12-01T12:00:00Z',
};

function backend(...statuses: VersionStatus[]) {
  return {
    getVersion: async (): Promise<VersionDetail> => ({
      ...applying,
      status: statuses.length > 1 ? statuses.shift()! : statuses[0],
      manifests: [],
    }),
  };
}

describe('followVersion', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the version it waits for, then each change of state once', async () => {
    const logger = mockServices.logger.mock();
    const following = followVersion(
      backend('applying', 'progressing', 'progressing', 'succeeded'),
      applying,
      { logger },
    );
    await jest.runAllTimersAsync();
    await expect(following).resolves.toMatchObject({ status: 'succeeded' });
    expect(logger.info.mock.calls.map(([line]) => line)).toEqual([
      'Waiting for the rollout of v3 in dev: applying',
      'v3 in dev: progressing',
      'v3 in dev: succeeded',
    ]);
  });

  it('stops waiting after the given time, naming the last state', async () => {
    await Promise.all([
      expect(
        followVersion(backend('progressing'), applying, {
          logger: mockServices.logger.mock(),
          giveUpMs: 60_000,
        }),
      ).rejects.toThrow(
        'Stopped waiting after 1 minutes: v3 in dev: progressing; the rollout goes on in the cluster',
      ),
      jest.advanceTimersByTimeAsync(60_000),
    ]);
  });
});
