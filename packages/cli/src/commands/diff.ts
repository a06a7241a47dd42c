import type {
  ShipyardApi,
  VersionAddress,
} from '@shipyard/backstage-plugin-common';
import type { AddressArgument } from '../lib/args';
import { CliError, ExitCode } from '../lib/errors';
import { formatDiff } from '../lib/format';
import type { CommandContext } from './context';

/** Options of `shipyard diff`. */
export interface DiffOptions {
  service: string;
  from: AddressArgument;
  to: AddressArgument;
  json?: boolean;
}

/** Shows what differs between two versions, across workspaces too. */
export async function diff(
  context: CommandContext,
  options: DiffOptions,
): Promise<number> {
  const [from, to] = await resolveAddresses(context.client, options.service, [
    options.from,
    options.to,
  ]);
  const result = await context.client.diff(options.service, from, to);
  context.print(
    options.json ? JSON.stringify(result, null, 2) : formatDiff(result),
  );
  return 0;
}

/** Fills in the current version of addresses given as a bare workspace. */
async function resolveAddresses(
  client: Pick<ShipyardApi, 'getServiceWorkspaces'>,
  service: string,
  addresses: AddressArgument[],
): Promise<VersionAddress[]> {
  if (addresses.every(a => a.version !== undefined)) {
    return addresses as VersionAddress[];
  }
  const states = await client.getServiceWorkspaces(service);
  return addresses.map(address => {
    if (address.version !== undefined) {
      return address as VersionAddress;
    }
    const current = states.find(s => s.workspace.name === address.workspace)
      ?.currentVersion?.number;
    if (current === undefined) {
      throw new CliError(
        `${service} has no current version in ${address.workspace}; name one as ${address.workspace}:<n>`,
        ExitCode.BadInput,
      );
    }
    return { workspace: address.workspace, version: current };
  });
}
