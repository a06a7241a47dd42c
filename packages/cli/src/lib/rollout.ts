import type {
  ShipyardApi,
  Version,
  VersionStatus,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from './errors';
import { describeRollout } from './format';
import type { ProgressReporter } from './progress';

const FINAL_STATUSES: VersionStatus[] = ['succeeded', 'failed', 'recorded'];

/** Whether a version's status will not change any more. */
export function isFinal(status: VersionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/**
 * Polls a version until its rollout finishes, reporting each state.
 * Polls quickly at first, since most rollouts in dev finish in seconds, then
 * backs off to once every two seconds.
 */
export async function waitForRollout(options: {
  client: Pick<ShipyardApi, 'getVersion'>;
  version: Version;
  progress: ProgressReporter;
  timeoutSeconds: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}): Promise<Version> {
  const { client, progress, timeoutSeconds } = options;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + timeoutSeconds * 1000;
  let version = options.version;
  let interval = 100;
  try {
    progress.update(describeRollout(version));
    while (!isFinal(version.status)) {
      if (now() >= deadline) {
        throw new CliError(
          `v${version.number} in ${version.workspace} is still ${version.status} after ${timeoutSeconds}s; it keeps going in the cluster (see \`shipyard history\`)`,
          ExitCode.Failed,
        );
      }
      await sleep(interval);
      interval = Math.min(interval * 2, 2000);
      version = await client.getVersion(
        version.service,
        version.workspace,
        version.number,
      );
      progress.update(describeRollout(version));
    }
  } finally {
    progress.done();
  }
  return version;
}
