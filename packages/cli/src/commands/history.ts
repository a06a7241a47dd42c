import { formatHistory } from '../lib/format';
import type { CommandContext } from './context';

/** Options of `shipyard history`. */
export interface HistoryOptions {
  service: string;
  workspace: string;
  limit: number;
  json?: boolean;
}

/** Lists versions newest first, marking the current one. */
export async function history(
  context: CommandContext,
  options: HistoryOptions,
): Promise<number> {
  const [page, states] = await Promise.all([
    context.client.listVersions(options.service, options.workspace, {
      limit: options.limit,
    }),
    context.client.getServiceWorkspaces(options.service),
  ]);
  const current = states.find(s => s.workspace.name === options.workspace)
    ?.currentVersion?.number;
  context.print(
    options.json
      ? JSON.stringify({ ...page, currentVersion: current }, null, 2)
      : formatHistory(page, current),
  );
  return 0;
}
