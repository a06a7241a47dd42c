import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { callService } from './callService';
import { entityRefInput, versionNumberInput, workspaceInput } from './schemas';

/** Registers `shipyard:diff-versions`: the field-level diff of any two versions of a service. */
export function createDiffVersionsAction(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'diff-versions',
    title: 'Diff two Shipyard versions',
    description: `Compares the specs of two versions of a service, in the same workspace or across workspaces (e.g. what staging v7 runs that prod v3 does not), field by field: each change has the field's path (image, env.LOG_LEVEL, resources.limits.cpu, …), whether it was added, removed or changed, and the values before and after.
Use the list-versions action first to find the version numbers. Good for explaining what a rollback or a deploy would change. Reads only.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z => {
        const address = (which: string) =>
          z
            .object({
              workspace: workspaceInput(z, `The workspace of the ${which} version`),
              version: versionNumberInput(z, `The ${which} version number`),
            })
            .describe(`The ${which} version`);
        return z.object({
          entityRef: entityRefInput(z),
          from: address('older (left)'),
          to: address('newer (right)'),
        });
      },
      output: z =>
        z.object({
          from: z.object({ workspace: z.string(), version: z.number() }),
          to: z.object({ workspace: z.string(), version: z.number() }),
          changes: z.array(
            z
              .object({
                path: z.string(),
                kind: z.string().describe('added, removed or changed'),
                before: z.unknown().optional(),
                after: z.unknown().optional(),
              })
              .passthrough(),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      const diff = await callService(() => service.diff(input.entityRef, input.from, input.to, { credentials }));
      return { output: diff };
    },
  });
}
