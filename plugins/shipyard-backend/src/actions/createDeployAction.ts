import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { callService, requireUserCaller } from './callService';
import {
  entityRefInput,
  freezeOverrideInput,
  messageInput,
  versionNumberInput,
  versionOutput,
  waitInput,
  workspaceInput,
} from './schemas';

/** Registers `shipyard:deploy`: a spec deployed as the next version, with origin `assistant`. */
export function createDeployAction(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  const { actionsRegistry, service } = options;
  actionsRegistry.register({
    name: 'deploy',
    title: 'Deploy a Shipyard version',
    description: `Deploys a spec of a service to a workspace as its next version (v1, v2, …) and applies it to the workspace's Kubernetes cluster. Changes what runs: confirm the change with the user first.
To change a running service, call the list-versions action with limit 1, change that version's spec, show the user the change, and deploy it with expectedCurrentVersion set to that version's number, so a deploy made by someone else in between is refused (409) instead of overwritten.
The spec is validated field by field (an error names the field): image is required; ports, env (literal values or { secretKeyRef: { name, key } } / { configMapKeyRef: { name, key } }; never put a secret's value in a literal), replicas or autoscaling, resources, probes, labels and annotations are optional.
The version is recorded with origin "assistant" and the caller as its author. Runs with the caller's permissions; protected workspaces (usually prod) need an extra permission.`,
    attributes: { readOnly: false, destructive: true, idempotent: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
          workspace: workspaceInput(z, 'The workspace to deploy to, e.g. dev'),
          spec: z
            .record(z.unknown())
            .describe('The full service spec to deploy (Shipyard spec v1), e.g. { "image": "ghcr.io/acme/payments:1.4.2", "ports": [{ "name": "http", "port": 8080 }], "replicas": 2 }'),
          message: messageInput(z, 'Why: recorded with the version, e.g. "bump to 1.4.2 for the refund fix"'),
          expectedCurrentVersion: versionNumberInput(
            z,
            'The version number you based the spec on; the deploy is refused (409) if another version was deployed since',
          ).optional(),
          allowMissingReferences: z
            .boolean()
            .optional()
            .describe(
              'Deploy although Secret or ConfigMap keys the spec reads are missing in the namespace (refused otherwise, naming each); ask the user first',
            ),
          freezeOverride: freezeOverrideInput(z, 'Deploy'),
          wait: waitInput(z),
        }),
      output: z =>
        versionOutput(z).extend({
          warnings: z
            .array(z.object({ code: z.string(), path: z.string().optional(), message: z.string() }).passthrough())
            .optional()
            .describe('Deployed all the same, but worth telling the user, e.g. a literal value in an env var named like a secret'),
        }),
    },
    action: async ({ input, credentials }) => {
      requireUserCaller(credentials, 'deploy');
      const version = await callService(() =>
        service.deploy(
          input.entityRef,
          input.workspace,
          {
            spec: input.spec,
            message: input.message,
            expectedCurrentVersion: input.expectedCurrentVersion,
            origin: 'assistant',
            allowMissingReferences: input.allowMissingReferences,
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
