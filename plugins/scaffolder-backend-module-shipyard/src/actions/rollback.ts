import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import {
  findPreviousVersion,
  isFinalStatus,
  ServiceWorkspaceState,
  ShipyardApi,
  Version,
} from '@shipyard/backstage-plugin-common';
import {
  assertNotFailed,
  describeVersion,
  followVersion,
} from './followVersion';
import { logChanges } from './logChanges';
import { examples } from './rollback.examples';
import { normalizeServiceRef, versionsTabUrl } from './serviceRef';
import {
  callShipyard,
  ShipyardActionsOptions,
  shipyardClientFor,
  workspaceState,
} from './shipyardCalls';

/**
 * `shipyard:rollback`: a new version with the spec of an earlier one, given
 * by number or as `previous`.
 * @public
 */
export function createShipyardRollbackAction(options: ShipyardActionsOptions) {
  const { config } = options;
  return createTemplateAction({
    id: 'shipyard:rollback',
    description:
      "Rolls a service back in a Shipyard workspace: a new version with an earlier version's spec, with the permissions of the user who runs the template",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z.string().describe('The service, e.g. component:default/payments'),
        workspace: z => z.string().describe('The workspace, e.g. prod'),
        toVersion: z =>
          z
            .union([
              z.number().int().positive(),
              z.string().regex(/^([1-9][0-9]*|previous)$/),
            ])
            .describe(
              "The version whose spec to restore, or 'previous': the newest version numbered below the current one whose rollout succeeded (or was recorded, in a workspace without a cluster) and whose spec differs from the current one's",
            ),
        reason: z =>
          z.string().optional().describe('Why: shown in the version history'),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the rollout has finished; a failed rollout fails the step. Default false',
            ),
      },
      output: {
        version: z =>
          z
            .number()
            .describe(
              'The new version (in a dry run: the number it would get)',
            ),
        status: z =>
          z
            .string()
            .describe(
              'applying, progressing, succeeded, failed or recorded; dry-run in a dry run',
            ),
        url: z => z.string().describe("The service's Versions tab"),
        toVersion: z =>
          z.number().describe('The version whose spec was restored'),
        plan: z =>
          z
            .record(z.any())
            .optional()
            .describe(
              'Dry run: the rollback plan (diff from the current version, warnings)',
            ),
      },
    },
    async handler(ctx) {
      const entityRef = normalizeServiceRef(ctx.input.entityRef);
      const { workspace, reason, wait } = ctx.input;
      const client = shipyardClientFor(options, ctx);
      const url = versionsTabUrl(config, entityRef, workspace);
      const state = await workspaceState(client, entityRef, workspace);
      const toVersion = await resolveToVersion(
        client,
        entityRef,
        state,
        ctx.input.toVersion,
      );
      if (ctx.input.toVersion === 'previous') {
        ctx.logger.info(
          `The previous version in ${workspace} is v${toVersion}`,
        );
      }

      if (ctx.isDryRun) {
        const plan = await callShipyard(() =>
          client.previewRollback(entityRef, workspace, toVersion),
        );
        const next = (state.latestVersion?.number ?? 0) + 1;
        ctx.logger.info(
          `Dry run: would roll ${entityRef} back in ${workspace}${
            plan.fromVersion ? ` from v${plan.fromVersion}` : ''
          } to v${toVersion}'s spec, as v${next}`,
        );
        logChanges(ctx.logger, plan.changes);
        for (const warning of plan.warnings) {
          ctx.logger.warn(`Warning: ${warning.message}`);
        }
        ctx.output('version', next);
        ctx.output('status', 'dry-run');
        ctx.output('url', url);
        ctx.output('toVersion', toVersion);
        ctx.output('plan', plan as unknown as JsonObject);
        return;
      }

      // A recovered task must not roll back twice.
      let version = (await ctx.checkpoint({
        key: `shipyard.rollback.${ctx.step?.id}.${entityRef}.${workspace}`,
        fn: async () =>
          (await callShipyard(() =>
            client.rollback(entityRef, workspace, toVersion, { reason }),
          )) as unknown as JsonObject,
      })) as unknown as Version;
      ctx.logger.info(
        `Rolled back to v${toVersion}: ${describeVersion(version)}`,
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
      ctx.output('toVersion', toVersion);
      assertNotFailed(version);
    },
  });
}

/** A number as given, or the version `previous` names: the shared `findPreviousVersion` (see the input's description). */
async function resolveToVersion(
  client: ShipyardApi,
  entityRef: string,
  state: ServiceWorkspaceState,
  toVersion: number | string,
): Promise<number> {
  if (toVersion !== 'previous') {
    return Number(toVersion);
  }
  const workspace = state.workspace.name;
  const current = state.currentVersion;
  if (!current) {
    throw new InputError(
      `toVersion: ${entityRef} has no current version in ${workspace}, so none before it`,
    );
  }
  const previous = await callShipyard(() =>
    findPreviousVersion(client, entityRef, current),
  );
  if (previous) {
    return previous.number;
  }
  throw new InputError(
    `toVersion: no version of ${entityRef} before v${current.number} in ${workspace} succeeded with a different spec`,
  );
}
