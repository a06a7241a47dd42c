import {
  type ShipyardApi,
  type Version,
  VersionWaitTimeoutError,
  waitForVersion,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from './errors';
import { describeRollout } from './format';
import type { ProgressReporter } from './progress';

/**
 * Follows a version with the shared `waitForVersion` until its rollout ends,
 * showing each state polled; running out of time fails with how to follow
 * the rollout further.
 */
export async function waitForRollout(options: {
  client: Pick<ShipyardApi, 'getVersion'>;
  version: Version;
  progress: ProgressReporter;
  timeoutSeconds: number;
}): Promise<Version> {
  const { client, progress, timeoutSeconds } = options;
  try {
    return await waitForVersion(client, options.version, {
      onProgress: version => progress.update(describeRollout(version)),
      timeoutMs: timeoutSeconds * 1000,
    });
  } catch (error) {
    if (error instanceof VersionWaitTimeoutError) {
      const { number, workspace, status } = error.version;
      throw new CliError(
        `v${number} in ${workspace} is still ${status} after ${timeoutSeconds}s; it keeps going in the cluster (see \`shipyard history\`)`,
        ExitCode.Failed,
      );
    }
    throw error;
  } finally {
    progress.done();
  }
}
