import type { Version, VersionDetail, VersionStatus } from '../types';
import {
  isFinalStatus,
  VersionWaitTimeoutError,
  waitForVersion,
} from './waitForVersion';

const applying: Version = {
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

/** A backend whose version goes through the given statuses, one per poll. */
function backend(...statuses: VersionStatus[]) {
  const getVersion = jest.fn(
    async (): Promise<VersionDetail> => ({
      ...applying,
      status: statuses.length > 1 ? statuses.shift()! : statuses[0],
      manifests: [],
    }),
  );
  return { getVersion };
}

describe('isFinalStatus', () => {
  it('is true for succeeded, failed and recorded only', () => {
    const statuses: VersionStatus[] = [
      'pending',
      'applying',
      'progressing',
      'succeeded',
      'failed',
      'recorded',
    ];
    expect(statuses.filter(isFinalStatus)).toEqual([
      'succeeded',
      'failed',
      'recorded',
    ]);
  });
});

describe('waitForVersion', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('polls until the status is final, reporting the version as given and each state polled', async () => {
    const client = backend('progressing', 'progressing', 'succeeded');
    const seen: string[] = [];
    const waiting = waitForVersion(client, applying, {
      onProgress: v => seen.push(v.status),
    });
    await jest.runAllTimersAsync();
    await expect(waiting).resolves.toMatchObject({ status: 'succeeded' });
    expect(client.getVersion).toHaveBeenCalledWith(
      'component:default/payments',
      'dev',
      4,
    );
    expect(seen).toEqual([
      'applying',
      'progressing',
      'progressing',
      'succeeded',
    ]);
  });

  it('returns a version that is already final without asking again', async () => {
    const client = backend('succeeded');
    const recorded = { ...applying, status: 'recorded' as const };
    await expect(waitForVersion(client, recorded)).resolves.toBe(recorded);
    expect(client.getVersion).not.toHaveBeenCalled();
  });

  it('polls quickly at first, then every two seconds', async () => {
    const client = backend('progressing');
    waitForVersion(client, applying).catch(() => {});
    const pollsAfter = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms);
      return client.getVersion.mock.calls.length;
    };
    expect(await pollsAfter(100)).toBe(1);
    expect(await pollsAfter(200 + 400 + 800 + 1600)).toBe(5);
    expect(await pollsAfter(2000)).toBe(6);
    expect(await pollsAfter(2000)).toBe(7);
  });

  it('gives up when the time runs out, with the last state seen', async () => {
    const client = backend('progressing');
    const waiting = waitForVersion(client, applying, { timeoutMs: 5000 });
    await Promise.all([
      expect(waiting).rejects.toBeInstanceOf(VersionWaitTimeoutError),
      jest.advanceTimersByTimeAsync(5000),
    ]);
    await expect(waiting).rejects.toMatchObject({
      name: 'VersionWaitTimeoutError',
      timeoutMs: 5000,
      version: { number: 4, status: 'progressing' },
    });
    // The last poll is at the deadline, not a whole interval past it.
    expect(client.getVersion).toHaveBeenCalledTimes(6);
  });

  it('stops when the signal aborts, with its reason', async () => {
    const client = backend('progressing');
    const controller = new AbortController();
    const waiting = waitForVersion(client, applying, {
      signal: controller.signal,
    });
    const cancel = async () => {
      await jest.advanceTimersByTimeAsync(300);
      controller.abort(new Error('task cancelled'));
    };
    await Promise.all([
      expect(waiting).rejects.toThrow('task cancelled'),
      cancel(),
    ]);
    const polls = client.getVersion.mock.calls.length;
    await jest.advanceTimersByTimeAsync(10000);
    expect(client.getVersion).toHaveBeenCalledTimes(polls);
  });
});
