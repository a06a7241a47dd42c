import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { callService, requireUserCaller } from './callService';
import { entityRefInput, messageInput, versionNumberInput, versionOutput, waitInput, workspaceInput } from './schemas';

/** Registers `shipyard:rollback`: a new version with the spec of an earlier one. */
export function createRollbackAction(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'rollback',
    title: 'Roll back a Shipyard service',
    description: `Rolls a service in one workspace back to an earlier version: creates a NEW version whose spec equals that version's (current v10, roll back to v5: v11 appears with v5's spec, origin "rollback of v5") and applies it. History is never rewritten. Changes what runs: confirm with the user first.
Call the list-versions action first to pick toVersion (usually the newest one before the bad one whose status was succeeded), and the diff-versions action from the current version to it to show the user what changes back.
Runs with the caller's permissions; protected workspaces (usually prod) need an extra permission.`,
    attributes: { readOnly: false, destructive: true, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          workspace: workspaceInput(z, 'The workspace to roll back, e.g. prod'),
          toVersion: versionNumberInput(z, 'The version whose spec to restore'),
          reason: messageInput(z, 'Why: recorded with the new version, e.g. "1.4.2 leaks connections"'),
          expectedCurrentVersion: versionNumberInput(
            z,
            'The version you saw as the latest; the rollback is refused (409) if another version was deployed since',
          ).optional(),
          wait: waitInput(z),
        }),
      output: z => versionOutput(z),
    },
    action: async ({ input, credentials }) => {
      requireUserCaller(credentials, 'rollback');
      const version = await callService(() =>
        service.rollback(
          input.entityRef,
          input.workspace,
          input.toVersion,
          { reason: input.reason, expectedCurrentVersion: input.expectedCurrentVersion, wait: input.wait },
          { credentials },
        ),
      );
      return { output: version };
    },
  });
}
