import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import request from 'supertest';
import { shipyardPlugin } from '../plugin';
import { manualScheduler } from '../__testUtils__/manualScheduler';
import { clusterScriptRun, kubeApi, kubectl, LocalCluster, localCluster } from '../__testUtils__/localCluster';

/*
 * The real gateway, through the real Kubernetes plugin's proxy, against two
 * local control planes (kube-apiserver, etcd, controller manager, scheduler,
 * kwok nodes) started by `npm test`. The Kubernetes backend imports the
 * ESM-only @kubernetes/client-node, so jest runs with
 * NODE_OPTIONS=--experimental-vm-modules (scripts/test.mjs sets it).
 */

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const first = localCluster(1);
const second = localCluster(2);
const onLocalClusters = first && second ? describe : describe.skip;

const run = Math.random().toString(36).slice(2, 7);
const NAME = `it-${run}`;
const SERVICE = `/api/shipyard/services/component/default/${NAME}`;
const auth = mockCredentials.user.header();

const HAND_MADE = `${NAME}-hand`;
const scheduler = manualScheduler();
const component = (name: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations: { 'backstage.io/kubernetes-id': name } },
  spec: { type: 'service', owner: 'team-b', lifecycle: 'production' },
});

const clusterEntry = (name: string, c: LocalCluster) => ({
  name,
  url: c.url,
  authProvider: 'serviceAccount',
  serviceAccountToken: c.token,
  caData: c.caData,
});

const spec: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info', DB_URL: 'postgres://dev-db/payments' },
  autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
};

onLocalClusters('KubernetesClusterGateway on the local control plane', () => {
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    const backend = await startTestBackend({
      features: [
        shipyardPlugin,
        import('@backstage/plugin-kubernetes-backend'),
        mockServices.database.factory({ knex }),
        scheduler.factory,
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        catalogServiceMock.factory({
          entities: [
            // Another team's service with the same name, and one named like a hand-made Deployment.
            { ...component(NAME), metadata: { ...component(NAME).metadata, namespace: 'team-b' } },
            component(HAND_MADE),
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: NAME,
                namespace: 'default',
                annotations: { 'shipyard/workspaces': 'dev, staging, prod', 'backstage.io/kubernetes-id': NAME },
              },
              spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
            },
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                { type: 'config', clusters: [clusterEntry('local', first!), clusterEntry('local-2', second!)] },
              ],
            },
            shipyard: {
              rolloutPollMilliseconds: 250,
              refreshIntervalSeconds: 3600,
              // The per-service refresh, as with a gateway that cannot watch; watching is ClusterWatchers.test.ts's.
              watch: { enabled: false },
              lease: { ttlSeconds: 10, waitSeconds: 1 },
              workspaces: [
                { name: 'dev', environment: 'dev', cluster: 'local', namespace: 'shipyard-dev' },
                {
                  name: 'staging',
                  environment: 'staging',
                  cluster: 'local',
                  namespace: 'shipyard-staging',
                  autoRollback: true,
                  progressDeadlineSeconds: 15,
                },
                { name: 'prod', environment: 'prod', cluster: 'local-2', namespace: 'shipyard-prod', protected: true },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });
  afterAll(async () => {
    await stop?.();
    for (const [c, ns] of [[first!, 'shipyard-dev'], [first!, 'shipyard-staging'], [second!, 'shipyard-prod']] as const) {
      kubectl(c, 'delete', 'deployment,service,hpa,secret', '-n', ns, '-l', `backstage.io/kubernetes-id=${NAME}`, '--ignore-not-found');
    }
    kubectl(first!, 'delete', 'deployment', HAND_MADE, '-n', 'shipyard-dev', '--ignore-not-found');
  });

  const deploy = (ws: string, body: ServiceSpec) =>
    request(server).post(`${SERVICE}/workspaces/${ws}/versions?wait=true`).set('Authorization', auth).send({ spec: body });
  const deployment = (c: LocalCluster, ns: string) => kubeApi(c, `/apis/apps/v1/namespaces/${ns}/deployments/${NAME}`);

  it('creates the Deployment, Service and HPA of the spec, and the pods become Ready', async () => {
    const res = await deploy('dev', spec);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 1, status: 'succeeded' });

    const live = await deployment(first!, 'shipyard-dev');
    const container = live.spec.template.spec.containers[0];
    expect(container.image).toBe(spec.image);
    expect(container.env).toEqual([
      { name: 'DB_URL', value: 'postgres://dev-db/payments' },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(live.metadata.labels).toMatchObject({ 'backstage.io/kubernetes-id': NAME, 'shipyard/version': '1' });
    expect(live.metadata.managedFields.map((f: any) => f.manager)).toContain('shipyard');

    const service = await kubeApi(first!, `/api/v1/namespaces/shipyard-dev/services/${NAME}`);
    expect(service.spec.ports[0]).toMatchObject({ name: 'http', port: 8080 });
    const hpa = await kubeApi(first!, `/apis/autoscaling/v2/namespaces/shipyard-dev/horizontalpodautoscalers/${NAME}`);
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });

    const pods = await kubeApi(first!, `/api/v1/namespaces/shipyard-dev/pods?labelSelector=backstage.io/kubernetes-id%3D${NAME}`);
    const ready = pods.items.filter((p: any) => p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    const desired = (await deployment(first!, 'shipyard-dev')).spec.replicas;
    expect(ready.length).toBeGreaterThanOrEqual(1);
    expect(ready.length).toBe(desired);
  });

  it('prunes the HPA when autoscaling is dropped, and a rollback reverts the live Deployment', async () => {
    const v2 = await deploy('dev', { ...spec, image: 'ghcr.io/acme/payments:1.1.0', autoscaling: undefined, replicas: 3 });
    expect(v2.body).toMatchObject({ number: 2, status: 'succeeded' });
    expect(await kubeApi(first!, `/apis/autoscaling/v2/namespaces/shipyard-dev/horizontalpodautoscalers/${NAME}`)).toBeUndefined();
    expect((await deployment(first!, 'shipyard-dev')).spec.replicas).toBe(3);

    const rollback = await request(server)
      .post(`${SERVICE}/workspaces/dev/versions/1/rollback?wait=true`)
      .set('Authorization', auth)
      .send({ reason: '1.1.0 is slow' });
    expect(rollback.body).toMatchObject({ number: 3, status: 'succeeded', origin: { type: 'rollback', version: 1 } });
    const live = await deployment(first!, 'shipyard-dev');
    expect(live.spec.template.spec.containers[0].image).toBe(spec.image);
    expect(live.metadata.labels['shipyard/version']).toBe('3');
    expect(await kubeApi(first!, `/apis/autoscaling/v2/namespaces/shipyard-dev/horizontalpodautoscalers/${NAME}`)).toBeDefined();
  });

  it('refuses another entity whose objects have the same name and leaves the owner’s objects untouched', async () => {
    const before = await deployment(first!, 'shipyard-dev');
    const hpaBefore = await kubeApi(first!, `/apis/autoscaling/v2/namespaces/shipyard-dev/horizontalpodautoscalers/${NAME}`);
    const res = await request(server)
      .post(`/api/shipyard/services/component/team-b/${NAME}/workspaces/dev/versions?wait=true`)
      .set('Authorization', auth)
      // Without autoscaling: the old prune would also have deleted the owner's HPA.
      .send({ spec: { ...spec, image: 'ghcr.io/acme/evil:1.0.0', autoscaling: undefined, replicas: 1 } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(`component:default/${NAME}`);
    const after = await deployment(first!, 'shipyard-dev');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.template.spec.containers[0].image).toBe(before.spec.template.spec.containers[0].image);
    const hpaAfter = await kubeApi(first!, `/apis/autoscaling/v2/namespaces/shipyard-dev/horizontalpodautoscalers/${NAME}`);
    expect(hpaAfter?.metadata.uid).toBe(hpaBefore.metadata.uid);
  });

  it('never takes over a hand-made Deployment of the same name, unless told to adopt it', async () => {
    kubectl(first!, 'create', 'deployment', HAND_MADE, '--image=ghcr.io/acme/by-hand:1.0.0', '-n', 'shipyard-dev');
    const path = `/api/shipyard/services/component/default/${HAND_MADE}/workspaces/dev/versions?wait=true`;
    const refused = await request(server).post(path).set('Authorization', auth).send({ spec });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/was not created by Shipyard/);
    const untouched = await kubeApi(first!, `/apis/apps/v1/namespaces/shipyard-dev/deployments/${HAND_MADE}`);
    expect(untouched.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/by-hand:1.0.0');
    expect(untouched.metadata.labels['app.kubernetes.io/managed-by']).toBeUndefined();

    // kubectl create deployment selects on app=<name>; Shipyard's selector differs, and a
    // Deployment's selector is immutable, so adopting it is refused by the cluster with its reason.
    const adopted = await request(server).post(path).set('Authorization', auth).send({ spec, adopt: true });
    expect(adopted.status).toBe(201);
    expect(adopted.body.status).toBe('failed');
    expect(adopted.body.statusMessage).toMatch(/field is immutable/);
  });

  it('keeps the running replica count when a service switches from replicas to autoscaling', async () => {
    const fixed = await deploy('dev', { ...spec, autoscaling: undefined, replicas: 3 });
    expect(fixed.body.status).toBe('succeeded');
    expect((await deployment(first!, 'shipyard-dev')).spec.replicas).toBe(3);
    const scaled = await deploy('dev', { ...spec, autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } });
    expect(scaled.body.status).toBe('succeeded');
    // Server-side apply would reset an unowned spec.replicas to 1; the handoff keeps it.
    expect((await deployment(first!, 'shipyard-dev')).spec.replicas).toBe(3);
  });

  it('detects drift made with kubectl scale and kubectl set image', async () => {
    kubectl(first!, 'patch', 'hpa', NAME, '-n', 'shipyard-dev', '--type=merge', '-p', '{"spec":{"maxReplicas":9}}');
    kubectl(first!, 'set', 'image', `deployment/${NAME}`, `${NAME}=ghcr.io/acme/payments:hotfix`, '-n', 'shipyard-dev');
    const live = await request(server).get(`${SERVICE}/workspaces/dev/live`).set('Authorization', auth);
    expect(live.status).toBe(200);
    expect(live.body.drift.drifted).toBe(true);
    expect(live.body.drift.fields.map((f: any) => f.path)).toEqual(expect.arrayContaining(['image', expect.stringMatching(/^autoscaling/)]));
    expect(live.body.objects).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'Deployment', exists: true })]),
    );
    const previewWarnings = async () =>
      (await request(server).get(`${SERVICE}/workspaces/dev/versions/1/rollback-plan`).set('Authorization', auth)).body.warnings.map(
        (w: any) => w.code,
      );
    // Reading /live stores nothing; the refresh task stores the drift plans warn about.
    expect(await previewWarnings()).not.toContain('target-drift');
    await scheduler.trigger('shipyard-refresh-rollouts-and-drift');
    expect(await previewWarnings()).toContain('target-drift');
    // Deploying again repairs the drift.
    expect((await deploy('dev', spec)).body.status).toBe('succeeded');
    const repaired = await request(server).get(`${SERVICE}/workspaces/dev/live`).set('Authorization', auth);
    expect(repaired.body.drift).toMatchObject({ drifted: false });
  });

  it('promotes across namespaces and across clusters, with a preflight of Secret references', async () => {
    const plan1 = await request(server).post(`${SERVICE}/promotions/plan`).set('Authorization', auth).send({ source: 'dev', target: 'staging' });
    expect(plan1.body.firstPromotion).toBe(true);
    const staged = await request(server)
      .post(`${SERVICE}/promotions?wait=true`)
      .set('Authorization', auth)
      .send({ source: 'dev', target: 'staging', planHash: plan1.body.planHash });
    expect(staged.body).toMatchObject({ workspace: 'staging', status: 'succeeded', origin: { type: 'promotion', workspace: 'dev' } });
    expect((await deployment(first!, 'shipyard-staging')).spec.template.spec.containers[0].image).toBe(spec.image);

    // staging gets a new secret-backed variable; prod on the second cluster must get it too.
    const withSecret = { ...spec, image: 'ghcr.io/acme/payments:2.0.0', env: { ...spec.env, API_KEY: { secretKeyRef: { name: `${NAME}-api`, key: 'key' } } } };
    await kubeApi(first!, '/api/v1/namespaces/shipyard-staging/secrets', {
      method: 'POST',
      body: JSON.stringify({ metadata: { name: `${NAME}-api`, labels: { 'backstage.io/kubernetes-id': NAME } }, stringData: { key: 'staging-secret-value' } }),
    });
    expect((await deploy('staging', withSecret)).body.status).toBe('succeeded');
    await deploy('prod', { ...spec, image: 'ghcr.io/acme/payments:0.9.0', env: { LOG_LEVEL: 'warn', DB_URL: 'postgres://prod-db/payments' } });

    const plan = async () =>
      (await request(server).post(`${SERVICE}/promotions/plan`).set('Authorization', auth).send({ source: 'staging', target: 'prod' })).body;
    const first1 = await plan();
    expect(first1.changes.find((c: any) => c.path === 'env.API_KEY')).toMatchObject({ action: 'needs-input' });
    expect(JSON.stringify(first1)).not.toContain('staging-secret-value');

    const refused = await request(server)
      .post(`${SERVICE}/promotions`)
      .set('Authorization', auth)
      .send({ source: 'staging', target: 'prod', planHash: first1.planHash, inputs: { env: { API_KEY: { secretKeyRef: { name: `${NAME}-api`, key: 'key' } } } } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(new RegExp(`Secret ${NAME}-api .*does not exist`));

    await kubeApi(second!, '/api/v1/namespaces/shipyard-prod/secrets', {
      method: 'POST',
      body: JSON.stringify({ metadata: { name: `${NAME}-api`, labels: { 'backstage.io/kubernetes-id': NAME } }, stringData: { key: 'prod-secret-value' } }),
    });
    const promoted = await request(server)
      .post(`${SERVICE}/promotions?wait=true`)
      .set('Authorization', auth)
      .send({ source: 'staging', target: 'prod', planHash: (await plan()).planHash, inputs: { env: { API_KEY: { secretKeyRef: { name: `${NAME}-api`, key: 'key' } } } } });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ workspace: 'prod', status: 'succeeded' });
    const prod = await deployment(second!, 'shipyard-prod');
    expect(prod.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/payments:2.0.0');
    expect(prod.spec.template.spec.containers[0].env).toEqual(
      expect.arrayContaining([
        { name: 'DB_URL', value: 'postgres://prod-db/payments' },
        { name: 'API_KEY', valueFrom: { secretKeyRef: { name: `${NAME}-api`, key: 'key' } } },
      ]),
    );
    expect(await deployment(first!, 'shipyard-prod')).toBeUndefined();
  });

  it('fails a rollout that exceeds its progress deadline with the cluster’s message, and rolls back automatically', async () => {
    const good = (await deployment(first!, 'shipyard-staging')).spec.template.spec.containers[0].image;
    // No node has 500 CPUs: the new pods stay Pending until the deadline passes.
    const res = await deploy('staging', {
      ...spec,
      image: 'ghcr.io/acme/payments:4.0.0-unschedulable',
      resources: { requests: { cpu: '500', memory: '128Mi' } },
    });
    expect(res.body.status).toBe('failed');
    expect(res.body.statusMessage).toMatch(/has timed out progressing/);

    const latest = async () =>
      (await request(server).get(`${SERVICE}/workspaces/staging/versions?limit=1`).set('Authorization', auth)).body.items[0];
    let rollback = await latest();
    expect(rollback.origin).toMatchObject({ type: 'rollback', automatic: expect.stringMatching(new RegExp(`rollout of v${res.body.number} failed`)) });
    for (let i = 0; i < 120 && rollback.status !== 'succeeded'; i++) {
      await new Promise(r => setTimeout(r, 500));
      rollback = await latest();
    }
    expect(rollback.status).toBe('succeeded');
    expect((await deployment(first!, 'shipyard-staging')).spec.template.spec.containers[0].image).toBe(good);
  });

  it('shows the deployed workloads in the Kubernetes plugin’s own endpoint', async () => {
    const res = await request(server)
      .post(`/api/kubernetes/services/${NAME}`)
      .set('Authorization', auth)
      .send({
        entity: {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Component',
          metadata: { name: NAME, namespace: 'default', annotations: { 'backstage.io/kubernetes-id': NAME } },
          spec: { type: 'service' },
        },
      });
    expect(res.status).toBe(200);
    const dev = res.body.items.find((i: any) => i.cluster.name === 'local');
    const deployments = dev.resources.find((r: any) => r.type === 'deployments');
    expect(deployments.resources.map((d: any) => d.metadata.name)).toContain(NAME);
    const pods = dev.resources.find((r: any) => r.type === 'pods');
    expect(pods.resources.length).toBeGreaterThan(0);
  });

  it('fails a deploy with the reason while kube-apiserver is down, keeps the current version, and a retry succeeds after restart', async () => {
    const prodState = async () =>
      (await request(server).get(`${SERVICE}/workspaces`).set('Authorization', auth)).body.items.find(
        (i: any) => i.workspace.name === 'prod',
      );
    const before = (await prodState()).currentVersion.number;
    const next = { ...spec, image: 'ghcr.io/acme/payments:3.0.0', env: { LOG_LEVEL: 'warn', DB_URL: 'postgres://prod-db/payments' } };
    clusterScriptRun('stop-apiserver', second!.name);
    try {
      const res = await deploy('prod', next);
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('failed');
      expect(res.body.statusMessage).toMatch(/^Apply failed: .*cluster 'local-2'/);
      const now = await prodState();
      expect(now.currentVersion.number).toBe(before);
      expect(now.lease).toBeUndefined();
    } finally {
      clusterScriptRun('start-apiserver', second!.name);
    }
    const retry = await deploy('prod', next);
    expect(retry.body).toMatchObject({ status: 'succeeded', number: before + 2 });
    expect((await prodState()).currentVersion.number).toBe(before + 2);
    expect((await deployment(second!, 'shipyard-prod')).spec.template.spec.containers[0].image).toBe('ghcr.io/acme/payments:3.0.0');
  });
});
