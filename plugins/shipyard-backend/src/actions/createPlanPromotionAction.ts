import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { callService } from './callService';
import { entityRefInput, promotionPlanOutput, versionNumberInput, workspaceInput } from './schemas';

/** Registers `shipyard:plan-promotion`: what promoting a service from one workspace to the next would do. */
export function createPlanPromotionAction(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'plan-promotion',
    title: 'Plan a Shipyard promotion',
    description: `Computes, without changing anything, what promoting a service from a source workspace to a target workspace (e.g. staging to prod) would do: the resulting spec and every field classified as overwrite (from source), retain (kept in target), needs-input, remove or unchanged, with blockers, warnings, a post-promotion checklist and a planHash.
Always call this before the promote action, show the plan (changes, blockers and warnings) to the user and let them confirm; then call the promote action with this planHash. Env keys new in the source are needs-input blockers: ask the user for the target's values (never copy a secret) and pass them to the promote action as inputs.env. Secret values never appear in a plan. Reads only.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          source: workspaceInput(z, 'The workspace to promote from, e.g. staging'),
          target: workspaceInput(z, 'The workspace to promote to, e.g. prod'),
          sourceVersion: versionNumberInput(
            z,
            "Plan from this version of the source instead of its current one; pass the same to the promote action",
          ).optional(),
        }),
      output: z => promotionPlanOutput(z),
    },
    action: async ({ input, credentials }) => {
      const plan = await callService(() =>
        service.planPromotion(
          input.entityRef,
          { source: input.source, target: input.target, sourceVersion: input.sourceVersion },
          { credentials },
        ),
      );
      return { output: plan };
    },
  });
}
