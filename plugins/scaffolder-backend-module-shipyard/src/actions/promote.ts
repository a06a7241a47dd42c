import { ConflictError, InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import {
  isFinalStatus,
  PlanIssue,
  PromotionInputs,
  PromotionPlan,
  unresolvedPromotionBlockers,
  Version,
} from '@shipyard/backstage-plugin-common';
import {
  assertNotFailed,
  describeVersion,
  followVersion,
} from './followVersion';
import { freezeOverrideInput } from './freezeOverrideInput';
import { logPlan } from './logChanges';
import { examples } from './promote.examples';
import { normalizeServiceRef, versionsTabUrl } from './serviceRef';
import {
  callShipyard,
  ShipyardActionsOptions,
  shipyardClientFor,
  workspaceState,
} from './shipyardCalls';

/** Inputs as the promote call takes them, plus DESIGN §11's `values` for needs-input fields outside env. */
type PromoteInputs = PromotionInputs & { values?: Record<string, unknown> };

/**
 * `shipyard:promote`: plans a promotion from a source to a target workspace
 * and, unless the plan has blockers the inputs do not resolve, executes
 * exactly that plan.
 * @public
 */
export function createShipyardPromoteAction(options: ShipyardActionsOptions) {
  const { config } = options;
  return createTemplateAction({
    id: 'shipyard:promote',
    description:
      'Promotes a service from one Shipyard workspace to a higher one, field by field by the promotion rules, with the permissions of the user who runs the template',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z.string().describe('The service, e.g. component:default/payments'),
        source: z =>
          z.string().describe('The workspace to promote from, e.g. staging'),
        target: z =>
          z.string().describe('The workspace to promote into, e.g. prod'),
        inputs: z =>
          z
            .object({
              env: z
                .record(
                  z.union([
                    z.string(),
                    z.object({
                      secretKeyRef: z.object({
                        name: z.string(),
                        key: z.string(),
                        optional: z.boolean().optional(),
                      }),
                    }),
                    z.object({
                      configMapKeyRef: z.object({
                        name: z.string(),
                        key: z.string(),
                        optional: z.boolean().optional(),
                      }),
                    }),
                  ]),
                )
                .optional()
                .describe(
                  'Values in the target for env keys new in the source: a literal or a secretKeyRef / configMapKeyRef',
                ),
              values: z
                .record(z.any())
                .optional()
                .describe(
                  'Values for other needs-input fields, keyed by the change path',
                ),
            })
            .optional()
            .describe("Answers to the plan's needs-input fields"),
        reason: z =>
          z.string().optional().describe('Why: shown in the version history'),
        freezeOverride: freezeOverrideInput('Promote'),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the rollout has finished; a failed rollout fails the step. Default false',
            ),
        planOnly: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Compute, show and output the plan, and change nothing, as in a dry run',
            ),
        planHash: z =>
          z
            .string()
            .optional()
            .describe(
              "Execute only if the plan still has this hash, e.g. an earlier planOnly step's output.plan.planHash",
            ),
      },
      output: {
        version: z =>
          z
            .number()
            .describe(
              'The new version in the target (in a dry run: the number it would get)',
            ),
        status: z =>
          z
            .string()
            .describe(
              'applying, progressing, succeeded, failed or recorded; dry-run in a dry run or with planOnly',
            ),
        url: z =>
          z.string().describe("The service's Versions tab, on the target"),
        plan: z =>
          z
            .record(z.any())
            .describe(
              'The plan: planHash, spec, changes, blockers, warnings, checklist',
            ),
      },
    },
    async handler(ctx) {
      const entityRef = normalizeServiceRef(ctx.input.entityRef);
      const { source, target, reason, wait, freezeOverride } = ctx.input;
      const inputs = ctx.input.inputs as PromoteInputs | undefined;
      const client = shipyardClientFor(options, ctx);
      const url = versionsTabUrl(config, entityRef, target);

      const plan = await callShipyard(() =>
        client.planPromotion(entityRef, { source, target }),
      );
      logPlan(ctx.logger, plan);
      ctx.output('plan', plan as unknown as JsonObject);
      const unresolved = unresolvedPromotionBlockers(plan, {
        ...inputs,
        freezeOverride,
      });

      if (ctx.isDryRun || ctx.input.planOnly) {
        const state = await workspaceState(client, entityRef, target);
        const next = (state.latestVersion?.number ?? 0) + 1;
        ctx.output('version', next);
        ctx.output('status', 'dry-run');
        ctx.output('url', url);
        refuseBlockers(plan, unresolved);
        ctx.logger.info(
          `${
            ctx.isDryRun ? 'Dry run' : 'Plan only'
          }: would promote ${entityRef} from ${source} v${
            plan.source.version
          } to ${target} as v${next}`,
        );
        return;
      }

      refuseBlockers(plan, unresolved);
      // A recovered task must not promote twice.
      let version = (await ctx.checkpoint({
        key: `shipyard.promote.${ctx.step?.id}.${entityRef}.${source}.${target}`,
        fn: async () =>
          (await callShipyard(() =>
            client.promote(entityRef, {
              source,
              target,
              planHash: ctx.input.planHash ?? plan.planHash,
              ...(inputs ? { inputs } : {}),
              reason,
              ...(freezeOverride ? { freezeOverride } : {}),
            }),
          )) as unknown as JsonObject,
      })) as unknown as Version;
      ctx.logger.info(
        `Promoted ${source} v${plan.source.version}: ${describeVersion(
          version,
        )}`,
      );
      if (wait && !isFinalStatus(version.status)) {
        version = await followVersion(client, version, {
          logger: ctx.logger,
          signal: ctx.signal,
        });
      }
      ctx.output('version', version.number);
      ctx.output('status', version.status);
      ctx.output('url', url);
      assertNotFailed(version);
    },
  });
}

function refuseBlockers(plan: PromotionPlan, unresolved: PlanIssue[]) {
  if (unresolved.length === 0) {
    return;
  }
  const list = unresolved
    .map(b => {
      const answer =
        b.code === 'env-needs-input' && b.path?.startsWith('env.')
          ? ` (answer it in inputs.env.${b.path.slice(4)})`
          : '';
      return `${b.path && !b.message.startsWith(b.path) ? `${b.path}: ` : ''}${
        b.message
      }${answer}`;
    })
    .join('; ');
  const message = `Refusing to promote ${plan.source.workspace} → ${
    plan.target.workspace
  }: the plan has ${unresolved.length} blocker${
    unresolved.length === 1 ? '' : 's'
  } the inputs do not resolve: ${list}`;
  if (
    unresolved.every(
      b => b.code.endsWith('needs-input') || b.code === 'unexpected-input',
    )
  ) {
    throw new InputError(message);
  }
  throw new ConflictError(message);
}
