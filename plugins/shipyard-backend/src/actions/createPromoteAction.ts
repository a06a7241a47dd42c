import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { callService, requireUserCaller } from './callService';
import {
  entityRefInput,
  envValueInput,
  freezeOverrideInput,
  messageInput,
  text,
  versionNumberInput,
  versionOutput,
  waitInput,
  workspaceInput,
} from './schemas';

/** Registers `shipyard:promote`: runs exactly the promotion plan whose hash the caller was shown. */
export function createPromoteAction(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'promote',
    title: 'Promote a Shipyard service',
    description: `Promotes a service from a source workspace to a target workspace (e.g. staging to prod) by running a plan made by the plan-promotion action: a new version in the target with the planned spec, origin "promotion from <source> v<n>". Changes what runs.
First call the plan-promotion action, show its changes, blockers and warnings to the user and get their confirmation; then call this with that plan's planHash. If the source or target changed since, the plan is stale and this is refused (409): plan again and show the new plan.
A plan with needs-input blockers (env keys new in the source) runs only when inputs.env gives the target's value for each, as a literal or { secretKeyRef: { name, key } } — ask the user, never invent or copy a secret. Other needs-input changes (such as the host of an exposed port on a first promotion) are answered in inputs.values by the change's path. Other blockers must be fixed first.
Runs with the caller's permissions; promoting into a protected workspace (usually prod) needs an extra permission.`,
    attributes: { readOnly: false, destructive: true, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          source: workspaceInput(z, 'The workspace to promote from, as in the plan'),
          target: workspaceInput(z, 'The workspace to promote to, as in the plan'),
          planHash: z
            .string()
            .regex(/^[0-9a-f]{64}$/, 'must be the planHash of a plan from the plan-promotion action')
            .describe('The planHash of the plan from the plan-promotion action that the user confirmed'),
          sourceVersion: versionNumberInput(z, 'The sourceVersion the plan was made with, if one was given').optional(),
          inputs: z
            .object({
              env: z
                .record(text(z, 253, 1), envValueInput(z))
                .optional()
                .describe('Values in the target for env keys the plan marks needs-input, e.g. { "NEW_KEY": "value" }'),
              values: z
                .record(z.string(), text(z, 253, 1))
                .optional()
                .describe(
                  'Values in the target for other changes the plan marks needs-input, by their path, e.g. { "ports[0].expose.host": "payments.example.com" }',
                ),
            })
            .strict()
            .optional(),
          reason: messageInput(z, 'Why: recorded with the new version'),
          freezeOverride: freezeOverrideInput(z, 'Promote'),
          wait: waitInput(z),
        }),
      output: z => versionOutput(z),
    },
    action: async ({ input, credentials }) => {
      requireUserCaller(credentials, 'promote');
      const version = await callService(() =>
        service.promote(
          input.entityRef,
          {
            source: input.source,
            target: input.target,
            planHash: input.planHash,
            sourceVersion: input.sourceVersion,
            inputs: input.inputs,
            reason: input.reason,
            freezeOverride: input.freezeOverride,
            wait: input.wait,
          },
          { credentials },
        ),
      );
      return { output: version };
    },
  });
}
