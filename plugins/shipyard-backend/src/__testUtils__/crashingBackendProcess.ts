/*
 * A Shipyard backend on a local cluster that SIGKILLs itself around an apply,
 * for the crash-recovery test. Prints `listening <port>` when ready.
 *   node --require @backstage/cli/config/nodeTransform.cjs crashingBackendProcess.ts <options JSON>
 * Options: `client` and `connection` of the database, `cluster` (a
 * cluster.json of tools/local-cluster), `entity` (the service's name),
 * `crash`: `{ apply: n, when: 'before' | 'after' }` — the n-th apply of this
 * process dies just before or just after the cluster took the objects;
 * `autoPromote`: the service also has staging and `shipyard/auto-promote: dev -> staging`.
 */
import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import knexFactory from 'knex';
import { KubernetesClusterGateway } from '../cluster/KubernetesClusterGateway';
import { shipyardClusterExtensionPoint, shipyardPlugin } from '../plugin';

interface Options {
  client: string;
  connection: string;
  cluster: string;
  entity: string;
  crash: { apply: number; when: 'before' | 'after' };
  autoPromote?: boolean;
}

/** The plugin's real gateway, except that it dies around one apply. */
const crashingGateway = (crash: Options['crash']) =>
  createBackendModule({
    pluginId: 'shipyard',
    moduleId: 'crashing-gateway',
    register(env) {
      env.registerInit({
        deps: {
          cluster: shipyardClusterExtensionPoint,
          discovery: coreServices.discovery,
          auth: coreServices.auth,
          logger: coreServices.logger,
        },
        async init({ cluster, discovery, auth, logger }) {
          const real = new KubernetesClusterGateway({ discovery, auth, logger });
          let applies = 0;
          const die = () => process.kill(process.pid, 'SIGKILL');
          cluster.setClusterGateway({
            assertOwnership: (target, options) => real.assertOwnership(target, options),
            getRollout: target => real.getRollout(target),
            getLive: (target, expected) => real.getLive(target, expected),
            findMissingReferences: (target, refs) => real.findMissingReferences(target, refs),
            apply: async (target, manifests, options) => {
              applies++;
              if (applies === crash.apply && crash.when === 'before') die();
              await real.apply(target, manifests, options);
              if (applies === crash.apply && crash.when === 'after') die();
            },
          });
        },
      });
    },
  });

/** The configuration and features of a Shipyard backend on `options`' database and cluster. */
export function recoveryBackendFeatures(options: Omit<Options, 'crash'>, knex: any, extra: any[] = []) {
  const cluster = JSON.parse(readFileSync(options.cluster, 'utf8'));
  return [
    shipyardPlugin,
    import('@backstage/plugin-kubernetes-backend'),
    mockServices.database.factory({ knex }),
    mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
    catalogServiceMock.factory({
      entities: [
        {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: {
            name: options.entity,
            namespace: 'default',
            annotations: {
              'backstage.io/kubernetes-id': options.entity,
              ...(options.autoPromote
                ? { 'shipyard/workspaces': 'dev, staging', 'shipyard/promotion': 'dev -> staging', 'shipyard/auto-promote': 'dev -> staging' }
                : {}),
            },
          },
          spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
        },
      ] as any,
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
          rolloutPollMilliseconds: 250,
          refreshIntervalSeconds: 3600,
          lease: { ttlSeconds: 2, waitSeconds: 5 },
          workspaces: [
            { name: 'dev', environment: 'dev', cluster: 'local', namespace: 'shipyard-dev' },
            ...(options.autoPromote ? [{ name: 'staging', environment: 'staging', cluster: 'local', namespace: 'shipyard-staging' }] : []),
          ],
          // A dead replica's claim on an auto-promotion is taken over after this.
          autoPromotion: { claimSeconds: 2 },
        },
      },
    }),
    ...extra,
  ];
}

export function recoveryKnex(options: Pick<Options, 'client' | 'connection'>) {
  return knexFactory({
    client: options.client,
    connection: options.client === 'better-sqlite3' ? { filename: options.connection } : options.connection,
    useNullAsDefault: true,
    pool: { min: 0, max: 5 },
  });
}

/**
 * Starts this file as its own process with `options`: its URL once it
 * listens, and the signal it exited with.
 */
export function startCrashingBackend(options: Options) {
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('@backstage/cli/config/nodeTransform.cjs'), __filename, JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<string | null>(resolve => child.on('exit', (_code, signal) => resolve(signal)));
  const url = new Promise<string>((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stdout.on('data', chunk => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(`http://127.0.0.1:${match[1]}`);
    });
    child.stderr.on('data', chunk => (errors += chunk));
    child.on('exit', code => reject(new Error(`backend exited with ${code}: ${errors.slice(-2000)}`)));
  });
  return { url, exited };
}

async function main() {
  const options: Options = JSON.parse(process.argv[2]);
  const backend = await startTestBackend({
    features: recoveryBackendFeatures(options, recoveryKnex(options), [crashingGateway(options.crash)]),
  });
  process.stdout.write(`listening ${backend.server.port()}\n`);
}

if (require.main === module) {
  main().catch(error => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}
