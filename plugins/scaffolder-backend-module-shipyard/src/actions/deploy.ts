import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import {
  diffSpecs,
  formatSpecErrors,
  isFinalStatus,
  parseSpec,
  ServiceSpec,
  Version,
} from '@shipyard/backstage-plugin-common';
import { examples } from './deploy.examples';
import {
  assertNotFailed,
  describeVersion,
  followVersion,
} from './followVersion';
import { freezeOverrideInput } from './freezeOverrideInput';
import { logChanges } from './logChanges';
import { readSpecFile } from './readSpecFile';
import { normalizeServiceRef, versionsTabUrl } from './serviceRef';
import {
  callShipyard,
  ShipyardActionsOptions,
  shipyardClientFor,
  workspaceState,
} from './shipyardCalls';
import { waitForEntity } from './waitForEntity';

/**
 * `shipyard:deploy`: deploys a spec, given inline or as a YAML file of the
 * task workspace, as the next version of a service in a workspace.
 * @public
 */
export function createShipyardDeployAction(options: ShipyardActionsOptions) {
  const { config, catalog } = options;
  return createTemplateAction({
    id: 'shipyard:deploy',
    description:
      'Deploys a spec as the next version of a service in a Shipyard workspace, with the permissions of the user who runs the template',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z.string().describe('The service, e.g. component:default/payments'),
        workspace: z =>
          z.string().describe('The workspace to deploy to, e.g. dev'),
        spec: z =>
          z
            .record(z.any())
            .optional()
            .describe('The spec (image, ports, env, …); give this or specFile'),
        specFile: z =>
          z
            .string()
            .optional()
            .describe(
              'Path of a YAML spec in the task workspace, e.g. shipyard.yaml; give this or spec',
            ),
        message: z =>
          z.string().optional().describe('Why: shown in the version history'),
        allowMissingReferences: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Deploy although Secret or ConfigMap keys the spec reads are missing in the namespace; otherwise the step fails naming each',
            ),
        freezeOverride: freezeOverrideInput('Deploy'),
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
        changes: z =>
          z
            .array(z.record(z.any()))
            .optional()
            .describe('Dry run: the diff against the current version'),
      },
    },
    async handler(ctx) {
      const entityRef = normalizeServiceRef(ctx.input.entityRef);
      const { workspace, message, wait } = ctx.input;
      const spec = await loadSpec(ctx.input, ctx.workspacePath);
      const client = shipyardClientFor(options, ctx);
      const url = versionsTabUrl(config, entityRef, workspace);

      if (ctx.isDryRun) {
        const state = await workspaceState(client, entityRef, workspace).catch(
          error => {
            if (error.statusCode === 404) return undefined;
            throw error;
          },
        );
        if (!state) {
          ctx.logger.info(
            `${entityRef} is not in the catalog yet (an earlier step registers it in a real run); the spec is valid`,
          );
        }
        const current = state?.currentVersion;
        const changes = diffSpecs(current?.spec, spec);
        const next = (state?.latestVersion?.number ?? 0) + 1;
        ctx.logger.info(
          `Dry run: would deploy ${entityRef} to ${workspace} as v${next}${
            current ? `, changing v${current.number}` : ''
          }`,
        );
        logChanges(ctx.logger, changes);
        ctx.output('version', next);
        ctx.output('status', 'dry-run');
        ctx.output('url', url);
        ctx.output('changes', changes as unknown as JsonObject[]);
        return;
      }

      await waitForEntity(
        catalog,
        entityRef,
        await ctx.getInitiatorCredentials(),
        { logger: ctx.logger, signal: ctx.signal },
      );
      // A recovered task must not deploy the same step twice.
      let version = (await ctx.checkpoint({
        key: `shipyard.deploy.${ctx.step?.id}.${entityRef}.${workspace}`,
        fn: async () =>
          (await callShipyard(() =>
            client.deploy(entityRef, workspace, {
              spec,
              message,
              origin: 'scaffolder',
              ...(ctx.input.allowMissingReferences
                ? { allowMissingReferences: true }
                : {}),
              ...(ctx.input.freezeOverride
                ? { freezeOverride: ctx.input.freezeOverride }
                : {}),
            }),
          )) as unknown as JsonObject,
      })) as unknown as Version;
      ctx.logger.info(`Deployed ${describeVersion(version)}`);
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

async function loadSpec(
  input: { spec?: JsonObject; specFile?: string },
  workspacePath: string,
): Promise<ServiceSpec> {
  if (input.spec && input.specFile) {
    throw new InputError('spec: give either spec or specFile, not both');
  }
  if (input.specFile) {
    return readSpecFile(workspacePath, input.specFile);
  }
  if (!input.spec) {
    throw new InputError('spec: give the spec, or specFile with its path');
  }
  const result = parseSpec(input.spec);
  if (!result.success) {
    throw new InputError(`spec: ${formatSpecErrors(result.errors)}`);
  }
  return result.spec;
}
