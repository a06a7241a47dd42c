import {
  isFinalStatus,
  type ShipyardApi,
  type Version,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from '../lib/errors';
import { describeRollout, describeVersion } from '../lib/format';
import type { ProgressReporter } from '../lib/progress';
import { waitForRollout } from '../lib/rollout';

/** What a command needs from the outside: the client, output, and where it runs. */
export interface CommandContext {
  client: ShipyardApi;
  /** Writes a line of the command's result to stdout. */
  print(text: string): void;
  /** Starts showing rollout progress on stderr. */
  progress(): ProgressReporter;
  /** The directory relative file paths are read from. */
  cwd: string;
}

/** How long to follow a rollout, for the commands that create a version. */
export interface WaitOptions {
  wait?: boolean;
  timeoutSeconds: number;
}

/**
 * Prints the version an operation created and, with --wait, follows its
 * rollout to the end. A failed version is an error, waited for or not.
 */
export async function settleVersion(
  context: CommandContext,
  created: Version,
  options: WaitOptions,
): Promise<number> {
  context.print(describeVersion(created));
  let version = created;
  if (options.wait && !isFinalStatus(version.status)) {
    version = await waitForRollout({
      client: context.client,
      version,
      progress: context.progress(),
      timeoutSeconds: options.timeoutSeconds,
    });
    if (version.status !== 'failed') {
      context.print(describeVersion(version));
    }
  }
  if (version.status === 'failed') {
    throw new CliError(describeRollout(version), ExitCode.Failed);
  }
  return ExitCode.Ok;
}
