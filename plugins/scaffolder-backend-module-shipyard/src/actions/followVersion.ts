import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ShipyardApi,
  Version,
  VersionWaitTimeoutError,
  waitForVersion,
} from '@shipyard/backstage-plugin-common';
import { callShipyard } from './shipyardCalls';

const GIVE_UP_MS = 15 * 60 * 1000;

/** One line of a version's state, e.g. `v3 in dev: progressing, 1/2 updated, 0/2 ready (…)`. */
export function describeVersion(version: Version): string {
  const rollout = version.rollout
    ? `, ${version.rollout.updatedReplicas}/${version.rollout.desiredReplicas} updated, ${version.rollout.readyReplicas}/${version.rollout.desiredReplicas} ready`
    : '';
  const message = version.statusMessage ? ` (${version.statusMessage})` : '';
  return `v${version.number} in ${version.workspace}: ${version.status}${rollout}${message}`;
}

/**
 * Follows a version with the shared `waitForVersion` until its rollout has
 * finished, logging each change of state.
 */
export async function followVersion(
  client: Pick<ShipyardApi, 'getVersion'>,
  version: Version,
  options: { logger: LoggerService; signal?: AbortSignal; giveUpMs?: number },
): Promise<Version> {
  const { logger, signal } = options;
  const giveUpMs = options.giveUpMs ?? GIVE_UP_MS;
  let lastLine = describeVersion(version);
  logger.info(`Waiting for the rollout of ${lastLine}`);
  try {
    return await callShipyard(() =>
      waitForVersion(client, version, {
        onProgress: current => {
          const line = describeVersion(current);
          if (line !== lastLine) {
            logger.info(line);
            lastLine = line;
          }
        },
        timeoutMs: giveUpMs,
        signal,
      }),
    );
  } catch (error) {
    if (error instanceof VersionWaitTimeoutError) {
      throw new Error(
        `Stopped waiting after ${Math.round(
          giveUpMs / 60000,
        )} minutes: ${describeVersion(
          error.version,
        )}; the rollout goes on in the cluster`,
      );
    }
    throw error;
  }
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
