import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { shipyardPlugin } from '../plugin';
import { kubectl, localCluster } from '../__testUtils__/localCluster';
import { manualScheduler } from '../__testUtils__/manualScheduler';

/*
 * The real plugin watching the local control plane through the real
 * Kubernetes plugin's proxy. The scheduled refresh never runs unless a test
 * triggers it, so whatever is recorded without a trigger came by the watch.
 * Needs NODE_OPTIONS=--experimental-vm-modules (scripts/test.mjs sets it).
 */

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const cluster = localCluster(1);
const onCluster = cluster ? describe : describe.skip;
const run = Math.random().toString(36).slice(2, 7);
const NAMESPACE = `shipyard-watch-${run}`;
const auth = mockCredentials.user.header();
const names = ['alpha', 'beta', 'gamma'].map(n => `${n}-${run}`);
const scheduler = manualScheduler();

const spec: ServiceSpec = { image: 'ghcr.io/acme/app:1.0.0', ports: [{ name: 'http', port: 8080 }], replicas: 1 };

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

onCluster('Shipyard watching a cluster namespace', () => {
  let server: any;
  let knex: Knex;
  let stop: () => Promise<void>;
  const service = (name: string) => `/api/shipyard/services/component/default/${name}`;
  const workspace = async (name: string) =>
    (await request(server).get(`${service(name)}/workspaces`).set('Authorization', auth)).body.items.find((w: any) => w.workspace.name === 'dev');

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    kubectl(cluster!, 'create', 'namespace', NAMESPACE);
    const backend = await startTestBackend({
      features: [
        shipyardPlugin,
        import('@backstage/plugin-kubernetes-backend'),
        mockServices.database.factory({ knex }),
        scheduler.factory,
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        catalogServiceMock.factory({
          entities: names.map(name => ({
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
                    { name: 'local', url: cluster!.url, authProvider: 'serviceAccount', serviceAccountToken: cluster!.token, caData: cluster!.caData },
                  ],
                },
              ],
            },
            shipyard: {
              // Followers look once a minute on their own: what ends sooner is the watch's doing.
              rolloutPollMilliseconds: 60_000,
              watch: { leaseSeconds: 2, timeoutSeconds: 20 },
              lease: { ttlSeconds: 5, waitSeconds: 5 },
              workspaces: [{ name: 'dev', environment: 'dev', cluster: 'local', namespace: NAMESPACE }],
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
    if (cluster) kubectl(cluster, 'delete', 'namespace', NAMESPACE, '--wait=false');
  });

  it('records a version succeeded as soon as its Deployment is complete, and its drift from what the watch holds', async () => {
    // Every request Shipyard sends to the Kubernetes plugin's proxy for this service's objects by label.
    const listsOfIt: string[] = [];
    const realFetch = globalThis.fetch;
    const spy = jest.spyOn(globalThis, 'fetch').mockImplementation((input: any, init?: any) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/api/kubernetes/proxy/') && url.includes(encodeURIComponent(`app.kubernetes.io/name=${names[0]}`))) listsOfIt.push(url);
      return realFetch(input, init);
    });
    try {
      const started = Date.now();
      const res = await request(server).post(`${service(names[0])}/workspaces/dev/versions?wait=true`).set('Authorization', auth).send({ spec });
      expect(res).toMatchObject({ status: 201, body: { number: 1, status: 'succeeded' } });
      // Under half the followers' own minute, with room for a busy machine's rollout.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      spy.mockRestore();
    }
    expect((await workspace(names[0])).drift).toMatchObject({ drifted: false, fields: [] });
    // The check after the rollout read the watch's copy: no list of the service's objects of each kind.
    expect(listsOfIt).toEqual([]);
  });

  it('records drift as soon as someone changes a managed object, and its repair', async () => {
    await request(server).post(`${service(names[1])}/workspaces/dev/versions?wait=true`).set('Authorization', auth).send({ spec });
    expect((await workspace(names[1])).drift).toMatchObject({ drifted: false });

    // The refresh never runs here: drift recorded at all was recorded by the watch.
    kubectl(cluster!, 'set', 'image', '-n', NAMESPACE, `deployment/${names[1]}`, `${names[1]}=ghcr.io/acme/app:9.9.9`);
    const drifted = await until('drift', async () => ((await workspace(names[1])).drift?.drifted ? (await workspace(names[1])).drift : undefined));
    expect(drifted.fields).toEqual([expect.objectContaining({ path: 'image', live: 'ghcr.io/acme/app:9.9.9' })]);

    kubectl(cluster!, 'set', 'image', '-n', NAMESPACE, `deployment/${names[1]}`, `${names[1]}=${spec.image}`);
    await until('the repair', async () => (await workspace(names[1])).drift?.drifted === false);

    kubectl(cluster!, 'delete', 'service', names[1], '-n', NAMESPACE);
    const missing = await until('the deleted Service', async () => ((await workspace(names[1])).drift?.drifted ? (await workspace(names[1])).drift : undefined));
    expect(missing.fields).toEqual([expect.objectContaining({ path: `Service ${names[1]}`, live: 'missing' })]);
  });

  it('the scheduled refresh finishes a rollout whose watch event was missed', async () => {
    await request(server).post(`${service(names[2])}/workspaces/dev/versions?wait=true`).set('Authorization', auth).send({ spec });
    // As if the event that completed it never arrived: the record says progressing, the cluster says complete.
    await knex('shipyard_versions')
      .where({ service_ref: `component:default/${names[2]}`, workspace: 'dev', number: 1 })
      .update({ status: 'progressing', finished_at: null });
    expect((await workspace(names[2])).latestVersion.status).toBe('progressing');

    await scheduler.trigger('shipyard-refresh-rollouts-and-drift');
    expect((await workspace(names[2])).latestVersion).toMatchObject({ number: 1, status: 'succeeded' });
  });
});
