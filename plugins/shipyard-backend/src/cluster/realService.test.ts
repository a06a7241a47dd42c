import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import request from 'supertest';
import { shipyardPlugin } from '../plugin';
import { manualScheduler } from '../__testUtils__/manualScheduler';
import { kubeApi, kubectl, LocalCluster, localCluster } from '../__testUtils__/localCluster';

/*
 * A real service (DESIGN §11: an exposed host, mounted Secret and
 * ConfigMap, a sidecar, an init container, a PodDisruptionBudget, its own
 * service account) through the real gateway and the Kubernetes plugin's
 * proxy, on the two local control planes `npm test` starts. Each run has
 * namespaces of its own.
 */

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const first = localCluster(1);
const second = localCluster(2);
const onLocalClusters = first && second ? describe : describe.skip;

const run = Math.random().toString(36).slice(2, 7);
const NAME = `real-${run}`;
const DEV = `shipyard-real-${run}-dev`;
const PROD = `shipyard-real-${run}-prod`;
const RESTRICTED = `shipyard-real-${run}-restricted`;
const NOWHERE = `shipyard-real-${run}-nowhere`;
const RESTRICTED_ACCOUNT = `shipyard-restricted-${run}`;
const INGRESS_CLASS = `shipyard-test-${run}`;
const SERVICE = `/api/shipyard/services/component/default/${NAME}`;
const auth = mockCredentials.user.header();
const scheduler = manualScheduler();

const clusterEntry = (name: string, c: LocalCluster) => ({
  name,
  url: c.url,
  authProvider: 'serviceAccount',
  serviceAccountToken: c.token,
  caData: c.caData,
});

const plain: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  replicas: 2,
};

const real = (mountPath: string, host: string): ServiceSpec => ({
  image: 'ghcr.io/acme/payments:1.1.0',
  ports: [{ name: 'http', port: 8080, expose: { host, path: '/', tls: true } }],
  replicas: 2,
  envFrom: [{ configMap: 'payments-flags' }],
  mounts: [
    { path: mountPath, configMap: 'payments-config' },
    { path: '/var/run/secrets/db', secret: 'payments-db' },
    { path: '/tmp/cache', emptyDir: { sizeLimit: '64Mi' } },
  ],
  sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0', ports: [{ name: 'admin', port: 9901 }] }],
  initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/payments-migrate:1.1.0', command: ['./migrate'] }],
  serviceAccountName: 'payments',
  strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: 0 },
  preStop: ['sh', '-c', 'sleep 1'],
  terminationGracePeriodSeconds: 20,
  disruptionBudget: { minAvailable: 1 },
});

/** What a real service reads, created the way an operator would. */
function prepare(c: LocalCluster, namespace: string) {
  kubectl(c, 'create', 'namespace', namespace);
  kubectl(c, 'create', 'serviceaccount', 'payments', '-n', namespace);
  kubectl(c, 'create', 'configmap', 'payments-config', '-n', namespace, '--from-literal=app.yaml=port: 8080');
  kubectl(c, 'create', 'configmap', 'payments-flags', '-n', namespace, '--from-literal=FLAG_NEW_CHECKOUT=on');
}

onLocalClusters('a real service on the local control plane', () => {
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    prepare(first!, DEV);
    kubectl(first!, 'create', 'secret', 'generic', 'payments-db', '-n', DEV, '--from-literal=password=dev');
    // prod gets its Secret only after a plan found it missing.
    prepare(second!, PROD);
    // A credential made for the first kinds only: no ingresses, no PodDisruptionBudgets.
    prepare(first!, RESTRICTED);
    kubectl(first!, 'create', 'secret', 'generic', 'payments-db', '-n', RESTRICTED, '--from-literal=password=x');
    kubectl(first!, 'create', 'serviceaccount', RESTRICTED_ACCOUNT, '-n', 'kube-system');
    kubectl(first!, 'create', 'role', 'first-kinds', '-n', RESTRICTED, '--verb=get,list,create,patch,delete', '--resource=deployments.apps,services,horizontalpodautoscalers.autoscaling');
    kubectl(first!, 'create', 'role', 'references', '-n', RESTRICTED, '--verb=get', '--resource=secrets,configmaps,persistentvolumeclaims');
    for (const role of ['first-kinds', 'references']) {
      kubectl(first!, 'create', 'rolebinding', role, '-n', RESTRICTED, `--role=${role}`, `--serviceaccount=kube-system:${RESTRICTED_ACCOUNT}`);
    }
    for (const c of [first!, second!]) {
      await kubeApi(c, '/apis/networking.k8s.io/v1/ingressclasses', {
        method: 'POST',
        body: JSON.stringify({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name: INGRESS_CLASS },
          spec: { controller: 'example.com/shipyard-test' },
        }),
      });
    }
    const restrictedToken = kubectl(first!, 'create', 'token', RESTRICTED_ACCOUNT, '-n', 'kube-system', '--duration=1h').trim();
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
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: NAME,
                namespace: 'default',
                annotations: {
                  'shipyard/workspaces': 'dev, prod, restricted, nowhere',
                  'shipyard/promotion': 'dev -> prod',
                  'backstage.io/kubernetes-id': NAME,
                },
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
                {
                  type: 'config',
                  clusters: [
                    clusterEntry('local', first!),
                    clusterEntry('local-2', second!),
                    { ...clusterEntry('local-restricted', first!), serviceAccountToken: restrictedToken },
                  ],
                },
              ],
            },
            shipyard: {
              rolloutPollMilliseconds: 250,
              refreshIntervalSeconds: 3600,
              watch: { enabled: false },
              lease: { ttlSeconds: 10, waitSeconds: 1 },
              workspaces: [
                { name: 'dev', environment: 'dev', cluster: 'local', namespace: DEV, expose: { ingressClassName: INGRESS_CLASS } },
                { name: 'prod', environment: 'prod', cluster: 'local-2', namespace: PROD, expose: { ingressClassName: INGRESS_CLASS } },
                { name: 'restricted', environment: 'staging', cluster: 'local-restricted', namespace: RESTRICTED },
                { name: 'nowhere', environment: 'staging', cluster: 'local', namespace: NOWHERE, expose: { ingressClassName: 'no-such-class' } },
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
    kubectl(first!, 'delete', 'namespace', DEV, '--ignore-not-found', '--wait=false');
    kubectl(second!, 'delete', 'namespace', PROD, '--ignore-not-found', '--wait=false');
    kubectl(first!, 'delete', 'namespace', RESTRICTED, '--ignore-not-found', '--wait=false');
    kubectl(first!, 'delete', 'serviceaccount', RESTRICTED_ACCOUNT, '-n', 'kube-system', '--ignore-not-found');
    for (const c of [first!, second!]) kubectl(c, 'delete', 'ingressclass', INGRESS_CLASS, '--ignore-not-found');
  });

  const deploy = (ws: string, spec: ServiceSpec) =>
    request(server).post(`${SERVICE}/workspaces/${ws}/versions?wait=true`).set('Authorization', auth).send({ spec });
  const get = (c: LocalCluster, path: string) => kubeApi(c, path);
  const ingress = (c: LocalCluster, ns: string) => get(c, `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${NAME}`);
  const pdb = (c: LocalCluster, ns: string) => get(c, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${NAME}`);
  const deployment = (c: LocalCluster, ns: string) => get(c, `/apis/apps/v1/namespaces/${ns}/deployments/${NAME}`);
  const plan = (body: object = {}) =>
    request(server).post(`${SERVICE}/promotions/plan`).set('Authorization', auth).send({ source: 'dev', target: 'prod', ...body });
  const promote = (planHash: string, inputs?: object) =>
    request(server)
      .post(`${SERVICE}/promotions?wait=true`)
      .set('Authorization', auth)
      .send({ source: 'dev', target: 'prod', planHash, inputs, reason: 'release' });

  it('deploys the host as an Ingress, the PDB, the mounts, sidecar and init container, and its pods become Ready', async () => {
    expect((await deploy('dev', plain)).body).toMatchObject({ number: 1, status: 'succeeded' });
    const v2 = await deploy('dev', real('/etc/payments', 'payments.dev.example.com'));
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ number: 2, status: 'succeeded' });

    const live = await deployment(first!, DEV);
    const pod = live.spec.template.spec;
    expect(pod.serviceAccountName).toBe('payments');
    expect(pod.containers.map((c: any) => c.name)).toEqual([NAME, 'proxy']);
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['migrate']);
    expect(pod.containers[0].volumeMounts).toEqual(
      expect.arrayContaining([expect.objectContaining({ mountPath: '/etc/payments', readOnly: true })]),
    );
    expect(pod.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ secret: expect.objectContaining({ secretName: 'payments-db' }) })]));
    expect(live.status.readyReplicas).toBe(2);

    const liveIngress = await ingress(first!, DEV);
    expect(liveIngress.spec).toMatchObject({ ingressClassName: INGRESS_CLASS, rules: [{ host: 'payments.dev.example.com' }] });
    expect(liveIngress.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'shipyard', 'shipyard/version': '2' });
    expect((await pdb(first!, DEV)).spec.minAvailable).toBe(1);

    const state = await request(server).get(`${SERVICE}/workspaces/dev/live`).set('Authorization', auth);
    expect(state.body.drift).toMatchObject({ drifted: false });
    expect(state.body.objects.map((o: any) => [o.kind, o.exists])).toEqual(
      expect.arrayContaining([['Ingress', true], ['PodDisruptionBudget', true]]),
    );
  });

  it('rolls back to a version without them: the Ingress and PDB are pruned', async () => {
    const rollback = await request(server)
      .post(`${SERVICE}/workspaces/dev/versions/1/rollback?wait=true`)
      .set('Authorization', auth)
      .send({ reason: 'back to plain' });
    expect(rollback.body).toMatchObject({ number: 3, status: 'succeeded' });
    expect(await ingress(first!, DEV)).toBeUndefined();
    expect(await pdb(first!, DEV)).toBeUndefined();
    const pod = (await deployment(first!, DEV)).spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers.map((c: any) => c.name)).toEqual([NAME]);
  });

  it('promotes into prod: the host needs input first, a missing Secret blocks, then the host is kept and the mount paths come from dev', async () => {
    expect((await deploy('dev', real('/etc/payments', 'payments.dev.example.com'))).body.status).toBe('succeeded');

    const first_ = await plan();
    expect(first_.status).toBe(200);
    expect(first_.body.blockers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'field-needs-input', path: 'ports[0].expose.host' }),
        expect.objectContaining({ code: 'missing-reference', path: 'mounts[1].secret' }),
      ]),
    );
    // Nothing is applied while the plan is blocked.
    const blocked = await promote(first_.body.planHash, { values: { 'ports[0].expose.host': 'payments.example.com' } });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.message).toMatch(/mounts\[1\]\.secret: Secret payments-db in namespace .*: Secret payments-db does not exist/);
    expect(await deployment(second!, PROD)).toBeUndefined();

    kubectl(second!, 'create', 'secret', 'generic', 'payments-db', '-n', PROD, '--from-literal=password=prod');
    const ready = await plan({ inputs: { values: { 'ports[0].expose.host': 'payments.example.com' } } });
    expect(ready.body.blockers).toEqual([]);
    const promoted = await promote(ready.body.planHash, { values: { 'ports[0].expose.host': 'payments.example.com' } });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ number: 1, status: 'succeeded' });
    expect((await ingress(second!, PROD)).spec.rules[0].host).toBe('payments.example.com');

    // dev moves its config and its own host; prod keeps its host and takes the mount path.
    expect((await deploy('dev', real('/etc/payments/v2', 'payments-next.dev.example.com'))).body.status).toBe('succeeded');
    const again = await plan();
    expect(again.body.blockers).toEqual([]);
    expect(again.body.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'ports[0].expose.host', action: 'retain', to: 'payments.example.com' }),
        expect.objectContaining({ path: 'mounts', action: 'overwrite' }),
      ]),
    );
    const second_ = await promote(again.body.planHash);
    expect(second_.body).toMatchObject({ number: 2, status: 'succeeded' });
    expect((await ingress(second!, PROD)).spec.rules[0].host).toBe('payments.example.com');
    const prodPod = (await deployment(second!, PROD)).spec.template.spec;
    expect(prodPod.containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(['/etc/payments/v2', '/var/run/secrets/db', '/tmp/cache']);
    expect(prodPod.serviceAccountName).toBe('payments');
    expect((await pdb(second!, PROD)).spec.minAvailable).toBe(1);
  });

  it('checks a workspace is ready before a first deploy: a missing namespace and ingress class, a credential without rights on Ingresses, each a blocker with its fix, nothing applied', async () => {
    const spec = real('/etc/payments', 'payments.example.com');
    const preflight = (ws: string) =>
      request(server).post(`${SERVICE}/workspaces/${ws}/preflight`).set('Authorization', auth).send({ spec });

    const nowhere = await preflight('nowhere');
    expect(nowhere.status).toBe(200);
    expect(nowhere.body.blockers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          code: 'namespace-missing',
          message: expect.stringContaining(`create it (kubectl create namespace ${NOWHERE})`),
        }),
        expect.objectContaining({
          code: 'ingress-class-missing',
          message: expect.stringMatching(/ingress class no-such-class does not exist on cluster local; install the ingress controller/),
        }),
      ]),
    );

    const restricted = await preflight('restricted');
    const denied = restricted.body.blockers.filter((b: any) => b.code === 'not-permitted').map((b: any) => b.message);
    expect(denied).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/may not create ingresses\.networking\.k8s\.io in namespace .*; grant it in a Role there/),
        expect.stringMatching(/may not patch poddisruptionbudgets\.policy/),
      ]),
    );
    expect(denied.join()).not.toMatch(/deployments|services /);

    const refused = await deploy('restricted', spec);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/may not create ingresses/);
    expect(await deployment(first!, RESTRICTED)).toBeUndefined();

    // The same credential still deploys a service that renders only the kinds it may write.
    expect((await deploy('restricted', plain)).body).toMatchObject({ status: 'succeeded' });
  });
});
