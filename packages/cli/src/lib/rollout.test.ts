import type { Version } from '@shipyard/backstage-plugin-common';
import { waitForRollout } from './rollout';

const base: Version = {
  service: 'component:default/payments',
  workspace: 'dev',
  number: 4,
  spec: { image: 'nginx:1.27' },
  specHash: 'abc',
  origin: { type: 'cli' },
  status: 'applying',
  createdBy: 'user:default/mock',
  createdAt: '2026-12-01T12:00:00Z',
};

describe('waitForRollout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('polls the version until a final status, reporting each state', async () => {
    const answers: Version[] = [
      { ...base, status: 'progressing' },
      { ...base, status: 'succeeded' },
    ];
    const getVersion = jest.fn(async () => ({
      ...answers.shift()!,
      manifests: [],
    }));
    const states: string[] = [];
    const done = jest.fn();
    const waiting = waitForRollout({
      client: { getVersion },
      version: base,
      progress: { update: state => states.push(state), done },
      timeoutSeconds: 60,
    });
    await jest.runAllTimersAsync();
    const final = await waiting;
    expect(final.status).toBe('succeeded');
    expect(getVersion).toHaveBeenCalledWith(
      'component:default/payments',
      'dev',
      4,
    );
    expect(states).toEqual([
      'v4 in dev: applying',
      'v4 in dev: progressing',
      'v4 in dev: succeeded',
    ]);
    expect(done).toHaveBeenCalled();
  });

  it('gives up after the timeout with a reason', async () => {
    await Promise.all([
      expect(
        waitForRollout({
          client: {
            getVersion: async () => ({
              ...base,
              status: 'progressing',
              manifests: [],
            }),
          },
          version: base,
          progress: { update: () => {}, done: () => {} },
          timeoutSeconds: 5,
        }),
      ).rejects.toMatchObject({
        exitCode: 1,
        message: expect.stringContaining(
          'v4 in dev is still progressing after 5s',
        ),
      }),
      jest.advanceTimersByTimeAsync(5000),
    ]);
  });
});
