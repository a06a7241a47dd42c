/*
 * A Shipyard backend replica that watches a local cluster through the real
 * Kubernetes plugin's proxy, in its own OS process so a test can kill it.
 * The scheduled refresh never runs, so whatever it records came by a watch.
 * Prints `listening <port>` when ready, and `proxy <url>` for every request
 * Shipyard sends to the Kubernetes plugin's proxy (each is one request to the API server).
 *   node --require @backstage/cli/config/nodeTransform.cjs watchingBackendProcess.ts <options JSON>
 * Options: `connection` (PostgreSQL), `cluster` (a cluster.json of
 * tools/local-cluster), `namespace`, `names` (the services' entity names).
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import knexFactory from 'knex';
import { readFileSync } from 'node:fs';
import { shipyardPlugin } from '../plugin';

const realFetch = globalThis.fetch;
globalThis.fetch = ((input: any, init?: any) => {
  const url = String(input instanceof Request ? input.url : input);
  if (url.includes('/api/kubernetes/proxy/')) process.stdout.write(`proxy ${url}\n`);
  return realFetch(input, init);
}) as typeof fetch;

async function main() {
  const options: { connection: string; cluster: string; namespace: string; names: string[] } = JSON.parse(process.argv[2]);
  const cluster = JSON.parse(readFileSync(options.cluster, 'utf8'));
  const knex = knexFactory({ client: 'pg', connection: options.connection, pool: { min: 0, max: 10 } });
  const backend = await startTestBackend({
    features: [
      shipyardPlugin,
      import('@backstage/plugin-kubernetes-backend'),
      mockServices.database.factory({ knex }),
      mockServices.scheduler.factory(),
      mockServices.rootLogger.factory({ level: 'warn' }),
      mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
      catalogServiceMock.factory({
        entities: options.names.map(name => ({
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name, namespace: 'default', annotations: { 'backstage.io/kubernetes-id': name } },
          spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
        })) as any,
      }),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            serviceLocatorMethod: { type: 'multiTenant' },
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  { name: 'local', url: cluster.url, authProvider: 'serviceAccount', serviceAccountToken: cluster.token, caData: cluster.caData },
                ],
              },
            ],
          },
          shipyard: {
            watch: { leaseSeconds: 2, timeoutSeconds: 20 },
            lease: { ttlSeconds: 3, waitSeconds: 5 },
            workspaces: [{ name: 'dev', environment: 'dev', cluster: 'local', namespace: options.namespace }],
          },
        },
      }),
    ],
  });
  process.stdout.write(`listening ${backend.server.port()}\n`);
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
