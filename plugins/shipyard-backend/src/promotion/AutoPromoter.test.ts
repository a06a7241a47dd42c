import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { manualScheduler } from '../__testUtils__/manualScheduler';
import { baseSpec, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';

/*
 * Auto-promotion through the API with a fake cluster: `orders` says
 * `shipyard/auto-promote: dev -> staging`. A success in dev promotes on its
 * own; a hold, a freeze, a rejection or a blocker stops it with the reason;
 * and the scan promotes exactly once what nobody promoted, however many
 * replicas scan at the same time. The local control plane version of these
 * is autoPromotion.cluster.test.ts.
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const ORDERS = '/api/shipyard/services/component/default/orders';
const ORDERS_REF = 'component:default/orders';
const auth = mockCredentials.user.header();

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 100; i++) {
    last = await read();
    if (done(last)) return last;
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe.each(databases.eachSupportedId())('AutoPromoter (%s)', databaseId => {
  let knex: Knex;
  const backends: Array<{ stop: () => Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map(b => b.stop()));
  });

  async function start(config: object = workspacesConfig) {
    const scheduler = manualScheduler();
    const auditor = mockServices.auditor.mock();
    const events: Array<{ eventId: string; meta: any }> = [];
    auditor.createEvent.mockImplementation(async (options: any) => {
      events.push({ eventId: options.eventId, meta: options.meta });
      return { success: async () => {}, fail: async () => {} };
    });
    const { backend, server } = await startShipyard(knex, {
      gateway: new FakeClusterGateway(),
      config,
      features: [scheduler.factory, auditor.factory],
    });
    backends.push(backend);
    return { server, scan: () => scheduler.trigger('shipyard-auto-promotion-scan'), events };
  }

  const deploy = (server: any, workspace: string, spec: ServiceSpec = baseSpec) =>
    request(server).post(`${ORDERS}/workspaces/${workspace}/versions?wait=true`).set('Authorization', auth).send({ spec });
  const stagingOf = async (server: any) =>
    (await request(server).get(`${ORDERS}/workspaces`).set('Authorization', auth)).body.items.find(
      (i: any) => i.workspace.name === 'staging',
    );
  const attemptFor = (server: any, version: number) =>
    eventually(
      () => stagingOf(server),
      s => s.autoPromotion?.source.version === version && s.autoPromotion.result !== 'running',
      `the auto-promotion of dev v${version}`,
    );

  it('promotes a dev version that succeeded into staging on its own, and records the outcome', async () => {
    knex = await databases.init(databaseId);
    const { server, events } = await start();
    expect((await deploy(server, 'dev')).body.status).toBe('succeeded');
    const staging = await eventually(
      () => stagingOf(server),
      s => s.autoPromotion?.outcome === 'succeeded',
      'staging v1 to succeed',
    );
    expect(staging.currentVersion).toMatchObject({
      number: 1,
      status: 'succeeded',
      origin: { type: 'auto-promotion', workspace: 'dev', version: 1 },
      createdBy: 'shipyard:auto-promotion',
      spec: baseSpec,
    });
    expect(staging.autoPromotion).toEqual({
      source: { workspace: 'dev', version: 1 },
      target: 'staging',
      at: expect.any(String),
      result: 'promoted',
      version: 1,
      outcome: 'succeeded',
    });
    expect(events.map(e => e.eventId)).toEqual(
      expect.arrayContaining(['version-deploy', 'auto-promotion-run', 'auto-promotion-outcome']),
    );
    expect(events.find(e => e.eventId === 'auto-promotion-run')!.meta).toMatchObject({
      service: ORDERS_REF,
      source: 'dev',
      sourceVersion: 1,
      target: 'staging',
      result: 'promoted',
      version: 1,
    });
  });

  it('stops at a new env key, a hold after a rollback and a rejected spec, saying why', async () => {
    knex = await databases.init(databaseId);
    const { server, events } = await start();
    await deploy(server, 'dev');
    await attemptFor(server, 1);

    // A new key needs a value for staging: nothing is promoted.
    await deploy(server, 'dev', { ...baseSpec, env: { ...baseSpec.env, PAYMENT_PROVIDER_URL: 'https://sandbox.pay' } });
    const blocked = (await attemptFor(server, 2)).autoPromotion;
    expect(blocked).toMatchObject({ result: 'skipped', code: 'blocked', reason: expect.stringMatching(/env\.PAYMENT_PROVIDER_URL/) });
    expect(events.find(e => e.eventId === 'auto-promotion-skipped')!.meta).toMatchObject({ code: 'blocked', sourceVersion: 2 });

    // A rollback in staging holds it.
    await deploy(server, 'staging', { ...baseSpec, replicas: 2 });
    await request(server).post(`${ORDERS}/workspaces/staging/versions/1/rollback?wait=true`).set('Authorization', auth).send({ reason: 'bad' });
    await deploy(server, 'dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.3.0' });
    const held = (await attemptFor(server, 3)).autoPromotion;
    expect(held).toMatchObject({ result: 'skipped', code: 'hold', reason: expect.stringMatching(/^staging is on hold since .*: rollback to v1: bad \(by user:default\/mock\)/) });
    expect((await stagingOf(server)).currentVersion.number).toBe(3);

    // Lifted; a spec rejected in dev is not promoted when it comes back.
    await request(server).delete(`${ORDERS}/workspaces/staging/hold`).set('Authorization', auth);
    await request(server).post(`${ORDERS}/workspaces/dev/versions/3/reject`).set('Authorization', auth).send({ reason: 'slow' });
    await deploy(server, 'dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.3.0' });
    expect((await attemptFor(server, 4)).autoPromotion).toMatchObject({ result: 'skipped', code: 'rejected' });
    expect((await stagingOf(server)).currentVersion.number).toBe(3);
  });

  it('does not promote into a frozen workspace, naming the window', async () => {
    knex = await databases.init(databaseId);
    const frozen = {
      shipyard: {
        ...workspacesConfig.shipyard,
        workspaces: workspacesConfig.shipyard.workspaces.map(w =>
          w.name === 'staging' ? { ...w, freezes: [{ name: 'launch', start: '2000-01-01T00:00:00Z', end: '2999-01-01T00:00:00Z' }] } : w,
        ),
      },
    };
    const first = await start(frozen);
    await deploy(first.server, 'dev');
    expect((await attemptFor(first.server, 1)).autoPromotion).toMatchObject({
      result: 'skipped',
      code: 'freeze',
      reason: "staging is frozen ('launch') until 2999-01-01T00:00:00.000Z",
    });
  });

  it("waits for the target's soak time, and the scan promotes once it has passed", async () => {
    knex = await databases.init(databaseId);
    const soaking = {
      shipyard: {
        ...workspacesConfig.shipyard,
        workspaces: workspacesConfig.shipyard.workspaces.map(w => (w.name === 'staging' ? { ...w, soakSeconds: 600 } : w)),
      },
    };
    const { server, scan, events } = await start(soaking);
    await deploy(server, 'dev');
    expect((await attemptFor(server, 1)).autoPromotion).toMatchObject({
      result: 'skipped',
      code: 'soak',
      reason: expect.stringMatching(/^dev v1 succeeded \d+s ago; staging wants versions that have run 10m: (10m|9m \d+s) left$/),
    });
    await scan();
    expect((await stagingOf(server)).autoPromotion).toMatchObject({ result: 'skipped', code: 'soak' });
    // Tried again at every scan, told once.
    expect(events.filter(e => e.eventId === 'auto-promotion-skipped')).toHaveLength(1);
    // As if ten minutes had passed by the database's clock.
    await knex('shipyard_versions').where({ workspace: 'dev' }).update({ finished_at: new Date(Date.now() - 601_000) });
    await scan();
    expect((await stagingOf(server)).autoPromotion).toMatchObject({ result: 'promoted', version: 1 });
  });

  it('opens a promotion request where the target needs approval, and promotes once it is approved', async () => {
    knex = await databases.init(databaseId);
    const approval = {
      shipyard: {
        ...workspacesConfig.shipyard,
        workspaces: workspacesConfig.shipyard.workspaces.map(w => (w.name === 'staging' ? { ...w, approval: { required: 1 } } : w)),
      },
    };
    const { server } = await start(approval);
    await deploy(server, 'dev');
    const attempt = (await attemptFor(server, 1)).autoPromotion;
    expect(attempt).toMatchObject({
      result: 'skipped',
      code: 'approval-required',
      reason: expect.stringMatching(/^staging needs 1 approval: waiting for approval of promotion request \S+$/),
    });
    const requests = await request(server).get('/api/shipyard/promotion-requests?status=pending').set('Authorization', auth);
    expect(requests.body.items).toEqual([
      expect.objectContaining({ service: ORDERS_REF, source: 'dev', target: 'staging', origin: 'auto-promotion', sourceVersion: 1 }),
    ]);
    expect(await knex('shipyard_versions').where({ workspace: 'staging' })).toEqual([]);

    // Approved by someone: it runs, and the attempt says so.
    const approved = await request(server)
      .post(`/api/shipyard/promotion-requests/${requests.body.items[0].id}/approve`)
      .set('Authorization', mockCredentials.user.header('user:default/approver'))
      .send({ reason: 'looks good' });
    expect(approved.status).toBe(200);
    const promoted = await eventually(
      () => stagingOf(server),
      s => s.autoPromotion?.outcome === 'succeeded',
      'the approved auto-promotion to roll out',
    );
    expect(promoted.autoPromotion).toMatchObject({ result: 'promoted', code: 'approved', version: 1 });
    expect(promoted.currentVersion.origin).toEqual({ type: 'auto-promotion', workspace: 'dev', version: 1 });
  });

  it('catches up a succeeded version nobody promoted, once, however many replicas scan', async () => {
    knex = await databases.init(databaseId);
    const replicas = [await start(), await start()];
    // As a backend that stopped right after the success would leave it: no attempt recorded.
    const store = await DatabaseVersionStore.create({ database: { getClient: async () => knex } as any, skipMigrations: true });
    const stored = await store.createVersion(
      { service: ORDERS_REF, workspace: 'dev', spec: baseSpec, origin: { type: 'deploy' }, status: 'applying', createdBy: 'user:default/mock' },
      { makeCurrent: true },
    );
    await store.updateVersionStatus(ORDERS_REF, 'dev', stored.number, { status: 'succeeded', finishedAt: new Date(), makeCurrent: true });
    expect((await stagingOf(replicas[0].server)).autoPromotion).toBeUndefined();

    await Promise.all([replicas[0].scan(), replicas[1].scan(), replicas[0].scan()]);
    const staging = await attemptFor(replicas[1].server, 1);
    expect(staging.autoPromotion).toMatchObject({ result: 'promoted', version: 1 });
    await Promise.all(replicas.map(r => r.scan()));
    const versions = await knex('shipyard_versions').where({ service_ref: ORDERS_REF, workspace: 'staging' });
    expect(versions.map(v => [v.number, v.origin_type, v.origin_workspace, v.origin_version])).toEqual([[1, 'auto-promotion', 'dev', 1]]);
  });
});
