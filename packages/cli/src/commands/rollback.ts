import {
  findPreviousVersion,
  type ShipyardApi,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from '../lib/errors';
import {
  type CommandContext,
  settleVersion,
  type WaitOptions,
} from './context';

/** Options of `shipyard rollback`. */
export interface RollbackOptions extends WaitOptions {
  service: string;
  workspace: string;
  to: number | 'previous';
  reason?: string;
  expectCurrent?: number;
}

/** Creates a new version with the spec of an earlier one (DESIGN §1 "Rollback"). */
export async function rollback(
  context: CommandContext,
  options: RollbackOptions,
): Promise<number> {
  let to: number;
  let expectCurrent = options.expectCurrent;
  if (options.to === 'previous') {
    const found = await resolvePreviousVersion(
      context.client,
      options.service,
      options.workspace,
    );
    to = found.previous;
    // What "previous" meant must still hold when the rollback runs.
    expectCurrent ??= found.current;
  } else {
    to = options.to;
  }
  const version = await context.client.rollback(
    options.service,
    options.workspace,
    to,
    { reason: options.reason, expectedCurrentVersion: expectCurrent },
  );
  return settleVersion(context, version, options);
}

/**
 * The current version and the one `--to previous` restores, as the shared
 * `findPreviousVersion` defines it: the newest older version that succeeded
 * (or was recorded) with a spec other than the current one's.
 */
async function resolvePreviousVersion(
  client: Pick<ShipyardApi, 'getServiceWorkspaces' | 'listVersions'>,
  service: string,
  workspace: string,
): Promise<{ current: number; previous: number }> {
  const states = await client.getServiceWorkspaces(service);
  const state = states.find(s => s.workspace.name === workspace);
  if (!state) {
    throw new CliError(
      `--workspace: ${service} has no workspace "${workspace}" (it has ${
        states.map(s => s.workspace.name).join(', ') || 'none'
      })`,
      ExitCode.BadInput,
    );
  }
  const current = state.currentVersion;
  if (!current) {
    throw new CliError(
      `${service} has no current version in ${workspace} to roll back from`,
      ExitCode.Failed,
    );
  }
  const previous = await findPreviousVersion(client, service, current);
  if (!previous) {
    throw new CliError(
      `${service} has no version before v${current.number} in ${workspace} that succeeded with a different spec; name one with --to <n>`,
      ExitCode.Failed,
    );
  }
  return { current: current.number, previous: previous.number };
}
