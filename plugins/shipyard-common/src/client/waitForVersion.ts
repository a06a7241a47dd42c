import { CustomErrorBase } from '@backstage/errors';
import type { Version, VersionStatus } from '../types';
import type { ShipyardApi } from './ShipyardApi';

const FINAL_STATUSES: ReadonlyArray<VersionStatus> = [
  'succeeded',
  'failed',
  // A workspace without a cluster has nothing to roll out.
  'recorded',
];
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;

/** Whether a version's status will not change any more: `succeeded`, `failed` or `recorded`. @public */
export function isFinalStatus(status: VersionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Options of {@link waitForVersion}. @public */
export interface WaitForVersionOptions {
  /** Called with the version as given, then with each state polled, e.g. to redraw a progress line. */
  onProgress?: (version: Version) => void;
  /** How long to wait before giving up with a {@link VersionWaitTimeoutError}; no limit when left out. */
  timeoutMs?: number;
  /** Stops waiting, rejecting with the signal's reason, e.g. when a task is cancelled. */
  signal?: AbortSignal;
}

/** Thrown by {@link waitForVersion} when its time ran out; the rollout goes on in the cluster. @public */
export class VersionWaitTimeoutError extends CustomErrorBase {
  /** The error's name, as `@backstage/errors` classes carry theirs. */
  name = 'VersionWaitTimeoutError' as const;

  constructor(
    /** The last state seen. */
    readonly version: Version,
    /** How long it waited. */
    readonly timeoutMs: number,
  ) {
    super(
      `v${version.number} in ${version.workspace} is still ${version.status} after ${timeoutMs} ms`,
    );
  }
}

/**
 * Polls a version until its status is final and returns it in that state.
 * Polls quickly at first, since most rollouts in dev end within a second,
 * then backs off to once every two seconds.
 * @public
 */
export async function waitForVersion(
  client: Pick<ShipyardApi, 'getVersion'>,
  version: Version,
  options: WaitForVersionOptions = {},
): Promise<Version> {
  const { onProgress, timeoutMs, signal } = options;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let current = version;
  let pollMs = FIRST_POLL_MS;
  onProgress?.(current);
  while (!isFinalStatus(current.status)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new VersionWaitTimeoutError(current, timeoutMs ?? 0);
    }
    await sleep(Math.min(pollMs, left), signal);
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    current = await client.getVersion(
      current.service,
      current.workspace,
      current.number,
    );
    signal?.throwIfAborted();
    onProgress?.(current);
  }
  return current;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
