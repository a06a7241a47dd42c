import { LoggerService } from '@backstage/backend-plugin-api';
import { ShipyardApi, Version } from '@shipyard/backstage-plugin-common';
import { callShipyard } from './shipyardCalls';

const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 2000;
const GIVE_UP_MS = 15 * 60 * 1000;

/** `recorded` is final too: the workspace has no cluster, so nothing rolls out. */
export function isFinished(version: Version): boolean {
  return ['succeeded', 'failed', 'recorded'].includes(version.status);
}

/** One line of a version's state, e.g. `v3 in dev: progressing, 1/2 updated, 0/2 ready (…)`. */
export function describeVersion(version: Version): string {
  const rollout = version.rollout
    ? `, ${version.rollout.updatedReplicas}/${version.rollout.desiredReplicas} updated, ${version.rollout.readyReplicas}/${version.rollout.desiredReplicas} ready`
    : '';
  const message = version.statusMessage ? ` (${version.statusMessage})` : '';
  return `v${version.number} in ${version.workspace}: ${version.status}${rollout}${message}`;
}

/**
 * Polls a version until its rollout has finished, logging each change of
 * state; starts quickly, since most rollouts end within a second or two.
 */
export async function followVersion(
  client: ShipyardApi,
  version: Version,
  options: { logger: LoggerService; signal?: AbortSignal; giveUpMs?: number },
): Promise<Version> {
  const { logger, signal } = options;
  const giveUpAt = Date.now() + (options.giveUpMs ?? GIVE_UP_MS);
  let current = version;
  let lastLine = describeVersion(current);
  logger.info(`Waiting for the rollout of ${lastLine}`);
  let pollMs = FIRST_POLL_MS;
  while (!isFinished(current)) {
    if (Date.now() > giveUpAt) {
      throw new Error(
        `Stopped waiting after ${Math.round(
          (options.giveUpMs ?? GIVE_UP_MS) / 60000,
        )} minutes: ${lastLine}; the rollout goes on in the cluster`,
      );
    }
    await sleep(pollMs, signal);
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    const { service, workspace, number } = current;
    current = await callShipyard(() =>
      client.getVersion(service, workspace, number),
    );
    const line = describeVersion(current);
    if (line !== lastLine) {
      logger.info(line);
      lastLine = line;
    }
  }
  return current;
}

/** A failed version fails the step with the cluster's own message. */
export function assertNotFailed(version: Version): void {
  if (version.status === 'failed') {
    throw new Error(
      `v${version.number} failed in ${version.workspace}: ${
        version.statusMessage ?? 'no reason given'
      }`,
    );
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('Aborted'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('Aborted'));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
