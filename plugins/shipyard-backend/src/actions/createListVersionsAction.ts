import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { callService } from './callService';
import { entityRefInput, versionOutput, workspaceInput } from './schemas';

const DEFAULT_LIMIT = 20;

/** Registers `shipyard:list-versions`: a service's history in one workspace, newest first. */
export function createListVersionsAction(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'list-versions',
    title: 'List Shipyard versions',
    description: `Lists the deployed versions of a service in one Shipyard workspace, newest first: number, status, origin, who deployed it, when, why, and the full spec.
The first item is the latest version; the one whose status is succeeded (or recorded) and newest is usually what runs.
Call this first to find the current spec before the deploy action (change that spec, deploy it with expectedCurrentVersion set to its number), or the version to pass to the rollback action or the diff-versions action.
Pages: pass nextCursor back as cursor for older versions. Reads only.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          workspace: workspaceInput(z, 'The workspace, e.g. dev, staging or prod'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(200)
            .optional()
            .describe(`How many versions to return, ${DEFAULT_LIMIT} by default`),
          cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
        }),
      output: z =>
        z.object({
          items: z.array(versionOutput(z)),
          nextCursor: z.string().optional().describe('Pass as cursor to get older versions; absent on the last page'),
          totalCount: z.number().describe('How many versions the service has in this workspace'),
        }),
    },
    action: async ({ input, credentials }) => {
      const page = await callService(() =>
        service.listVersions(
          input.entityRef,
          input.workspace,
          { limit: input.limit ?? DEFAULT_LIMIT, cursor: input.cursor },
          { credentials },
        ),
      );
      return { output: page };
    },
  });
}
