import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogBackend from '@backstage/plugin-catalog-backend';
import kubernetesBackend from '@backstage/plugin-kubernetes-backend';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import shipyardPlugin from '@shipyard/backstage-plugin-backend';

/*
 * examples/shipyard-rbac.yaml is what README "Cluster credentials" tells
 * adopters to give Shipyard. This applies it to the local control plane
 * `npm test` started and runs Shipyard's real operations through the
 * Kubernetes plugin's proxy with that ServiceAccount's token and nothing
 * more: deploy (create), redeploy without Service and HPA (patch, prune),
 * live state (get, list), a promotion plan whose preflight reads a Secret
 * and a ConfigMap (get), the promotion, and a rollback that recreates what
 * was pruned. If Shipyard starts needing another verb, this fails.
 */

jest.setTimeout(180_000);

// Test code runs from source, where the repository root is three levels up.
// eslint-disable-next-line no-restricted-syntax
const repoRoot = resolve(__dirname, '../../..');
const clusterFile = process.env.SHIPYARD_TEST_CLUSTER;
const required =
  process.env.SHIPYARD_REQUIRE_SERVICES === 'true' || process.env.CI === 'true';
// The proxy imports ESM-only @kubernetes/client-node; scripts/test.mjs runs jest so that it can.
const esm = process.env.NODE_OPTIONS?.includes('--experimental-vm-modules');
if ((!clusterFile || !esm) && required) {
  throw new Error(
    'SHIPYARD_TEST_CLUSTER and NODE_OPTIONS=--experimental-vm-modules are required (npm test sets both)',
  );
}
if (!clusterFile || !esm) {
  // eslint-disable-next-line no-console
  console.warn(
    'RBAC test skipped: it needs the local control plane and --experimental-vm-modules (run it through npm test)',
  );
}
const onLocalCluster = clusterFile && esm ? describe : describe.skip;

type LocalCluster = { name: string; url: string; caData: string };

function kubectl(cluster: LocalCluster, args: string[], input?: string) {
  const result = spawnSync(
    'bash',
    [
      join(repoRoot, 'tools', 'local-cluster', 'cluster.sh'),
      'kubectl',
      cluster.name,
      '--',
      ...args,
    ],
    { encoding: 'utf8', input },
  );
  if (result.status !== 0) {
    throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  }
  return result.stdout;
}

onLocalCluster('examples/shipyard-rbac.yaml', () => {
  const cluster: LocalCluster = JSON.parse(readFileSync(clusterFile!, 'utf8'));
  const run = Math.random().toString(36).slice(2, 7);
  const name = `rbac-${run}`;
  // Its own names, so that two runs on one cluster do not share RBAC objects.
  const rbac = readFileSync(
    join(repoRoot, 'examples', 'shipyard-rbac.yaml'),
    'utf8',
  ).replace(/shipyard-deployer/g, `shipyard-deployer-${run}`);
  const directory = mkdtempSync(join(tmpdir(), 'shipyard-rbac-'));
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let baseUrl: string;

  beforeAll(async () => {
    kubectl(cluster, ['apply', '-f', '-'], rbac);
    let token = '';
    for (let i = 0; i < 100 && !token; i++) {
      token = Buffer.from(
        kubectl(cluster, [
          '-n',
          'kube-system',
          'get',
          'secret',
          `shipyard-deployer-${run}-token`,
          '-o',
          'jsonpath={.data.token}',
        ]),
        'base64',
      ).toString('utf8');
      if (!token) await new Promise(r => setTimeout(r, 200));
    }
    if (!token)
      throw new Error(`no token for ServiceAccount shipyard-deployer-${run}`);
    // dev's Secret has a key that staging's lacks, for the preflight to find.
    for (const [namespace, keys] of [
      ['shipyard-dev', ['password', 'api-key']],
      ['shipyard-staging', ['password']],
    ] as const) {
      kubectl(cluster, [
        '-n',
        namespace,
        'create',
        'secret',
        'generic',
        `${name}-db`,
        ...keys.map(key => `--from-literal=${key}=not-for-shipyard`),
      ]);
      kubectl(cluster, [
        '-n',
        namespace,
        'create',
        'configmap',
        `${name}-flags`,
        '--from-literal=flags=on',
      ]);
    }

    const catalogFile = join(directory, 'catalog.yaml');
    writeFileSync(
      catalogFile,
      `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations: { shipyard/workspaces: 'dev, staging', backstage.io/kubernetes-id: ${name} }
spec: { type: service, lifecycle: production, owner: group:default/team-a }
`,
    );
    backend = await startTestBackend({
      features: [
        catalogBackend,
        kubernetesBackend,
        shipyardPlugin,
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Component'] }],
              locations: [{ type: 'file', target: catalogFile }],
            },
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'local',
                      url: cluster.url,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: token,
                      caData: cluster.caData,
                    },
                  ],
                },
              ],
            },
            shipyard: {
              rolloutPollMilliseconds: 250,
              refreshIntervalSeconds: 3600,
              workspaces: [
                {
                  name: 'dev',
                  environment: 'dev',
                  cluster: 'local',
                  namespace: 'shipyard-dev',
                },
                {
                  name: 'staging',
                  environment: 'staging',
                  cluster: 'local',
                  namespace: 'shipyard-staging',
                },
              ],
            },
          },
        }),
      ],
    });
    baseUrl = `http://localhost:${
      (backend.server.address() as AddressInfo).port
    }/api/shipyard/services/component/default/${name}`;
    // The catalog reads the file location in the background.
    for (let i = 0; i < 150; i++) {
      const response = await call('GET', '/workspaces');
      if (response.status === 200) break;
      await new Promise(r => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await backend?.stop();
    for (const namespace of ['shipyard-dev', 'shipyard-staging']) {
      kubectl(cluster, [
        '-n',
        namespace,
        'delete',
        'deployment,service,hpa',
        '-l',
        `backstage.io/kubernetes-id=${name}`,
        '--ignore-not-found',
      ]);
    }
    for (const namespace of ['shipyard-dev', 'shipyard-staging']) {
      kubectl(cluster, [
        '-n',
        namespace,
        'delete',
        `secret/${name}-db`,
        `configmap/${name}-flags`,
        '--ignore-not-found',
      ]);
    }
    kubectl(cluster, ['delete', '--ignore-not-found', '-f', '-'], rbac);
    rmSync(directory, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: mockCredentials.user.header(),
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const env = {
    DB_PASSWORD: { secretKeyRef: { name: `${name}-db`, key: 'password' } },
    FLAGS: { configMapKeyRef: { name: `${name}-flags`, key: 'flags' } },
  };
  const image = 'ghcr.io/acme/payments:1.0.0';
  const spec = {
    image,
    env,
    ports: [{ name: 'http', port: 8080 }],
    autoscaling: {
      minReplicas: 1,
      maxReplicas: 3,
      targetCPUUtilizationPercentage: 70,
    },
  };
  // Without ports and autoscaling: no Service, no HPA.
  const smaller = { image, env, replicas: 2 };

  it('lets Shipyard deploy, prune, read, promote and roll back, and nothing in it needs more', async () => {
    const first = await call('POST', '/workspaces/dev/versions?wait=true', {
      spec,
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ number: 1, status: 'succeeded' });

    const second = await call('POST', '/workspaces/dev/versions?wait=true', {
      spec: smaller,
    });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ number: 2, status: 'succeeded' });
    expect(
      kubectl(cluster, [
        '-n',
        'shipyard-dev',
        'get',
        'deployment,service,hpa',
        '-l',
        `backstage.io/kubernetes-id=${name}`,
        '-o',
        'name',
      ]).trim(),
    ).toBe(`deployment.apps/${name}`);

    const live = await call('GET', '/workspaces/dev/live');
    expect(live.status).toBe(200);

    // The preflight reads the Secret and the ConfigMap in the target.
    const plan = await call('POST', '/promotions/plan', {
      source: 'dev',
      target: 'staging',
    });
    expect(plan.status).toBe(200);
    expect(plan.body.blockers ?? []).toEqual([]);
    const promoted = await call('POST', '/promotions?wait=true', {
      source: 'dev',
      target: 'staging',
      planHash: plan.body.planHash,
    });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ status: 'succeeded' });

    // A reference to a key that is not there is reported as missing, not as a refused read.
    const missingKey = await call(
      'POST',
      '/workspaces/dev/versions?wait=true',
      {
        spec: {
          ...smaller,
          env: {
            ...env,
            API_KEY: { secretKeyRef: { name: `${name}-db`, key: 'api-key' } },
          },
        },
      },
    );
    expect(missingKey.status).toBe(201);
    const plan2 = await call('POST', '/promotions/plan', {
      source: 'dev',
      target: 'staging',
    });
    expect(plan2.status).toBe(200);
    const refused = await call('POST', '/promotions', {
      source: 'dev',
      target: 'staging',
      planHash: plan2.body.planHash,
      inputs: {
        env: {
          API_KEY: { secretKeyRef: { name: `${name}-db`, key: 'api-key' } },
        },
      },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(refused.body)).toMatch(/has no key 'api-key'/);
    expect(JSON.stringify(refused.body)).not.toMatch(/forbidden|403/i);

    const rollback = await call(
      'POST',
      '/workspaces/dev/versions/1/rollback?wait=true',
      { reason: 'back to the autoscaled version' },
    );
    expect(rollback.status).toBe(201);
    expect(rollback.body).toMatchObject({
      number: 4,
      status: 'succeeded',
      origin: { type: 'rollback', version: 1 },
    });
  });
});
