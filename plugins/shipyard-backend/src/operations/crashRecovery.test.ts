import { mockCredentials, startTestBackend } from '@backstage/backend-test-utils';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import request from 'supertest';
import { recoveryBackendFeatures, recoveryKnex, startCrashingBackend } from '../__testUtils__/crashingBackendProcess';
import { manualScheduler } from '../__testUtils__/manualScheduler';
import { scratchDatabase, ScratchDatabase } from '../__testUtils__/scratchDatabase';
import { kubeApi, kubectl, localCluster } from '../__testUtils__/localCluster';

/*
 * A backend SIGKILLed around an apply, then a new backend on the same
 * database: the refresh task reconciles the version and the current pointer
 * with what the cluster really runs. On SQLite (a file both processes open)
 * and on PostgreSQL, against the local control plane.
 */

jest.setTimeout(240_000);

const cluster = localCluster(1);
const postgres = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
if (!postgres && (process.env.CI === 'true' || process.env.SHIPYARD_REQUIRE_SERVICES === 'true')) {
  throw new Error('BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set');
}
const engines: Array<[string, (() => Promise<ScratchDatabase>) | undefined]> = [
  ['SQLite file', () => scratchDatabase('sqlite', 'shipyard_crash')],
  ['PostgreSQL', postgres ? () => scratchDatabase('pg', 'shipyard_crash', postgres) : undefined],
];
const auth = mockCredentials.user.header();
const onCluster = cluster ? describe : describe.skip;

onCluster.each(engines.filter(([, e]) => e))('a backend killed around an apply (%s)', (engine, makeDatabase) => {
  const entity = `crash-${engine.startsWith('SQLite') ? 'sqlite' : 'pg'}-${Math.random().toString(36).slice(2, 6)}`;
  const service = `/api/shipyard/services/component/default/${entity}`;
  const spec = (tag: string): ServiceSpec => ({ image: `ghcr.io/acme/payments:${tag}`, replicas: 1, ports: [{ name: 'http', port: 8080 }] });
  let scratch: ScratchDatabase;
  let database: { client: string; connection: string };

  beforeAll(async () => {
    scratch = await makeDatabase!();
    database = { client: scratch.client, connection: scratch.connection };
  });
  afterAll(async () => {
    await scratch?.drop();
    kubectl(cluster!, 'delete', 'deployment,service', '-n', 'shipyard-dev', '-l', `backstage.io/kubernetes-id=${entity}`, '--ignore-not-found');
  });

  /** Starts a backend that dies around its `apply`-th apply; resolves with its URL and exit. */
  const crashingBackend = (crash: { apply: number; when: 'before' | 'after' }) =>
    startCrashingBackend({ ...database, cluster: process.env.SHIPYARD_TEST_CLUSTER!, entity, crash });

  /** A fresh backend on the same database, with the refresh task run on demand. */
  async function recoveringBackend() {
    const scheduler = manualScheduler();
    const backend = await startTestBackend({
      features: recoveryBackendFeatures({ ...database, cluster: process.env.SHIPYARD_TEST_CLUSTER!, entity }, recoveryKnex(database), [
        scheduler.factory,
      ]),
    });
    return { backend, refresh: () => scheduler.trigger('shipyard-refresh-rollouts-and-drift') };
  }

  const liveVersion = async () =>
    (await kubeApi(cluster!, `/apis/apps/v1/namespaces/shipyard-dev/deployments/${entity}`))?.metadata.labels['shipyard/version'];

  it('ends with the version and the current pointer matching the cluster', async () => {
    // v1 succeeds; the backend dies just before v2's apply reaches the cluster.
    const first = crashingBackend({ apply: 2, when: 'before' });
    const url1 = await first.url;
    const v1 = await request(url1).post(`${service}/workspaces/dev/versions?wait=true`).set('Authorization', auth).send({ spec: spec('1') });
    expect(v1.body).toMatchObject({ number: 1, status: 'succeeded' });
    await expect(request(url1).post(`${service}/workspaces/dev/versions`).set('Authorization', auth).send({ spec: spec('2') })).rejects.toThrow();
    expect(await first.exited).toBe('SIGKILL');

    // A backend that dies just after v3's apply reached the cluster.
    const second = crashingBackend({ apply: 1, when: 'after' });
    const url2 = await second.url;
    await expect(request(url2).post(`${service}/workspaces/dev/versions`).set('Authorization', auth).send({ spec: spec('3') })).rejects.toThrow();
    expect(await second.exited).toBe('SIGKILL');
    expect(await liveVersion()).toBe('3');

    const { backend, refresh } = await recoveringBackend();
    try {
      const server = backend.server;
      const get = async (path: string) => (await request(server).get(path).set('Authorization', auth)).body;
      // Left behind: v2 and v3 `applying`, the current pointer on v1, v3's lease expiring.
      expect((await get(`${service}/workspaces/dev/versions/3`)).status).toBe('applying');
      for (let i = 0; i < 60; i++) {
        await refresh();
        if ((await get(`${service}/workspaces/dev/versions/3`)).status === 'succeeded') break;
        await new Promise(r => setTimeout(r, 500));
      }
      expect(await get(`${service}/workspaces/dev/versions/2`)).toMatchObject({
        status: 'failed',
        statusMessage: expect.stringMatching(/^Interrupted: .*before its objects reached the cluster/),
      });
      expect(await get(`${service}/workspaces/dev/versions/3`)).toMatchObject({
        status: 'succeeded',
        statusMessage: expect.stringMatching(/^Recovered after the backend applying it stopped/),
      });
      const dev = (await get(`${service}/workspaces`)).items.find((i: any) => i.workspace.name === 'dev');
      expect(dev.currentVersion.number).toBe(3);
      expect(dev.lease).toBeUndefined();
      expect(await liveVersion()).toBe('3');
      // And the workspace takes new operations.
      const v4 = await request(server).post(`${service}/workspaces/dev/versions?wait=true`).set('Authorization', auth).send({ spec: spec('4') });
      expect(v4.body).toMatchObject({ number: 4, status: 'succeeded' });
    } finally {
      await backend.stop();
    }
  });
});
