import { mockCredentials, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import request from 'supertest';
import { recoveryBackendFeatures, recoveryKnex, startCrashingBackend } from '../__testUtils__/crashingBackendProcess';
import { kubeApi, kubectl, localCluster } from '../__testUtils__/localCluster';
import { manualScheduler } from '../__testUtils__/manualScheduler';
import { scratchDatabase, ScratchDatabase } from '../__testUtils__/scratchDatabase';

/*
 * Auto-promotion end to end on the local control plane: a service with
 * `shipyard/auto-promote: dev -> staging` whose dev deploy succeeds reaches
 * staging on its own; one with a new env key stops with the reason; a
 * rollback in staging holds it; and a backend SIGKILLed between the success
 * and the end of the promotion leaves it to the next backend, which records
 * it once and never promotes twice.
 */

jest.setTimeout(240_000);

const cluster = localCluster(1);
const postgres = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
if (!postgres && (process.env.CI === 'true' || process.env.SHIPYARD_REQUIRE_SERVICES === 'true')) {
  throw new Error('BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set');
}
const onCluster = cluster ? describe : describe.skip;
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const auth = mockCredentials.user.header();
const spec = (tag: string, env: Record<string, string> = {}): ServiceSpec => ({
  image: `ghcr.io/acme/payments:${tag}`,
  replicas: 1,
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info', ...env },
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, tick?: () => Promise<unknown>) {
  let last: T | undefined;
  for (let i = 0; i < 120; i++) {
    await tick?.();
    last = await read();
    if (done(last)) return last;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

const liveLabel = async (entity: string, namespace: string) =>
  (await kubeApi(cluster!, `/apis/apps/v1/namespaces/${namespace}/deployments/${entity}`))?.metadata.labels['shipyard/version'];

const cleanUp = (entity: string) => {
  for (const ns of ['shipyard-dev', 'shipyard-staging']) {
    kubectl(cluster!, 'delete', 'deployment,service', '-n', ns, '-l', `backstage.io/kubernetes-id=${entity}`, '--ignore-not-found');
  }
};

onCluster('auto-promotion on the local control plane', () => {
  const entity = `auto-${Math.random().toString(36).slice(2, 7)}`;
  const service = `/api/shipyard/services/component/default/${entity}`;
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    const options = { client: 'better-sqlite3', connection: ':memory:', cluster: process.env.SHIPYARD_TEST_CLUSTER!, entity, autoPromote: true };
    const backend = await startTestBackend({
      features: recoveryBackendFeatures(options, knex, [manualScheduler().factory]),
    });
    server = backend.server;
    stop = () => backend.stop();
  });
  afterAll(async () => {
    await stop?.();
    cleanUp(entity);
  });

  const get = async (path: string) => (await request(server).get(path).set('Authorization', auth)).body;
  const deploy = (workspace: string, body: ServiceSpec) =>
    request(server).post(`${service}/workspaces/${workspace}/versions?wait=true`).set('Authorization', auth).send({ spec: body });
  const staging = async () => (await get(`${service}/workspaces`)).items.find((i: any) => i.workspace.name === 'staging');
  const attemptOf = (version: number) =>
    eventually(staging, s => s.autoPromotion?.source.version === version && s.autoPromotion.result !== 'running', `the attempt for dev v${version}`);

  it('a dev deploy that succeeds reaches staging on its own', async () => {
    expect((await deploy('dev', spec('1.0.0'))).body).toMatchObject({ number: 1, status: 'succeeded' });
    const reached = await eventually(staging, s => s.autoPromotion?.outcome === 'succeeded', 'staging v1 to roll out');
    expect(reached.currentVersion).toMatchObject({
      number: 1,
      status: 'succeeded',
      origin: { type: 'auto-promotion', workspace: 'dev', version: 1 },
      createdBy: 'shipyard:auto-promotion',
    });
    expect(reached.autoPromotion).toMatchObject({ result: 'promoted', version: 1, outcome: 'succeeded' });
    expect(await liveLabel(entity, 'shipyard-staging')).toBe('1');
    const live = await kubeApi(cluster!, `/apis/apps/v1/namespaces/shipyard-staging/deployments/${entity}`);
    expect(live.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/payments:1.0.0');
  });

  it('a version with a new env key stops before staging, saying which', async () => {
    expect((await deploy('dev', spec('1.1.0', { FRAUD_API_URL: 'https://fraud.dev' }))).body.status).toBe('succeeded');
    const stopped = await attemptOf(2);
    expect(stopped.autoPromotion).toMatchObject({
      result: 'skipped',
      code: 'blocked',
      reason: expect.stringMatching(/env\.FRAUD_API_URL/),
    });
    expect(stopped.currentVersion.number).toBe(1);
    expect(await liveLabel(entity, 'shipyard-staging')).toBe('1');
  });

  it('a rollback in staging holds it until someone lifts the hold', async () => {
    expect((await deploy('staging', spec('1.0.1'))).body).toMatchObject({ number: 2, status: 'succeeded' });
    const rollback = await request(server)
      .post(`${service}/workspaces/staging/versions/1/rollback?wait=true`)
      .set('Authorization', auth)
      .send({ reason: 'checkout errors' });
    expect(rollback.body).toMatchObject({ number: 3, status: 'succeeded' });
    expect((await staging()).hold).toMatchObject({ reason: 'rollback to v1: checkout errors', version: 3 });

    expect((await deploy('dev', spec('1.2.0'))).body).toMatchObject({ number: 3, status: 'succeeded' });
    const held = await attemptOf(3);
    expect(held.autoPromotion).toMatchObject({ result: 'skipped', code: 'hold' });
    expect(held.currentVersion.number).toBe(3);
    expect(await liveLabel(entity, 'shipyard-staging')).toBe('3');

    // Lifted: the next success goes through again.
    await request(server).delete(`${service}/workspaces/staging/hold`).set('Authorization', auth);
    expect((await deploy('dev', spec('1.2.1'))).body).toMatchObject({ number: 4, status: 'succeeded' });
    const promoted = await eventually(
      staging,
      s => s.autoPromotion?.source.version === 4 && s.autoPromotion.outcome === 'succeeded',
      'dev v4 to reach staging',
    );
    expect(promoted.currentVersion).toMatchObject({ number: 4, origin: { type: 'auto-promotion', version: 4 } });
    expect(await liveLabel(entity, 'shipyard-staging')).toBe('4');
  });
});

onCluster('auto-promotion across a backend killed mid-promotion (PostgreSQL)', () => {
  const entity = `auto-crash-${Math.random().toString(36).slice(2, 6)}`;
  const service = `/api/shipyard/services/component/default/${entity}`;
  let scratch: ScratchDatabase;
  let database: { client: string; connection: string };

  beforeAll(async () => {
    scratch = await scratchDatabase('pg', 'shipyard_auto', postgres);
    database = { client: scratch.client, connection: scratch.connection };
  });
  afterAll(async () => {
    await scratch?.drop();
    cleanUp(entity);
  });

  it('promotes exactly once after a restart', async () => {
    // The second apply of this backend is the auto-promotion's into staging: it dies right after the cluster took it.
    const crashing = startCrashingBackend({
      ...database,
      cluster: process.env.SHIPYARD_TEST_CLUSTER!,
      entity,
      autoPromote: true,
      crash: { apply: 2, when: 'after' },
    });
    const url = await crashing.url;
    // The deploy's answer may or may not make it out before the process dies.
    await request(url).post(`${service}/workspaces/dev/versions?wait=true`).set('Authorization', auth).send({ spec: spec('2.0.0') }).catch(() => undefined);
    expect(await crashing.exited).toBe('SIGKILL');
    expect(await liveLabel(entity, 'shipyard-staging')).toBe('1');

    const scheduler = manualScheduler();
    const options = { ...database, cluster: process.env.SHIPYARD_TEST_CLUSTER!, entity, autoPromote: true };
    const backend = await startTestBackend({ features: recoveryBackendFeatures(options, recoveryKnex(options), [scheduler.factory]) });
    try {
      const get = async (path: string) => (await request(backend.server).get(path).set('Authorization', auth)).body;
      const staging = async () => (await get(`${service}/workspaces`)).items.find((i: any) => i.workspace.name === 'staging');
      // Left behind: the attempt claimed by the dead backend, and its staging v1.
      expect((await staging()).autoPromotion).toMatchObject({ result: 'running', source: { workspace: 'dev', version: 1 } });
      const done = await eventually(
        staging,
        s => s.autoPromotion?.result === 'promoted' && s.autoPromotion.outcome === 'succeeded',
        'the interrupted auto-promotion to be recorded',
        async () => {
          await scheduler.trigger('shipyard-refresh-rollouts-and-drift');
          await scheduler.trigger('shipyard-auto-promotion-scan');
        },
      );
      expect(done.autoPromotion).toMatchObject({ source: { workspace: 'dev', version: 1 }, result: 'promoted', version: 1 });
      expect(done.currentVersion).toMatchObject({ number: 1, status: 'succeeded', origin: { type: 'auto-promotion', workspace: 'dev', version: 1 } });
      await scheduler.trigger('shipyard-auto-promotion-scan');
      const history = await get(`${service}/workspaces/staging/versions`);
      expect(history.items.map((v: any) => [v.number, v.origin.type, v.origin.version])).toEqual([[1, 'auto-promotion', 1]]);
    } finally {
      await backend.stop();
    }
  });
});
