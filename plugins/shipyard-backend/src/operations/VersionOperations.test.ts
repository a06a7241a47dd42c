import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { ClusterOperationError } from '../cluster/ClusterGateway';
import { baseSpec, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';
import { failed, FakeClusterGateway, succeeded } from '../__testUtils__/FakeClusterGateway';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();

const config = {
  shipyard: {
    ...workspacesConfig.shipyard,
    workspaces: workspacesConfig.shipyard.workspaces.map(w => (w.name === 'dev' ? { ...w, autoRollback: true } : w)),
    lease: { ttlSeconds: 5, waitSeconds: 0.3 },
  },
};

describe.each(databases.eachSupportedId())('deploying to a cluster (%s)', databaseId => {
  let knex: Knex;
  let gateway: FakeClusterGateway;
  let server: any;
  let stop: () => Promise<void>;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    gateway = new FakeClusterGateway();
    const started = await startShipyard(knex, { gateway, config });
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterEach(() => stop());

  const deploy = (spec = baseSpec, query = '?wait=true', extra: object = {}) =>
    request(server)
      .post(`${PAYMENTS}/workspaces/dev/versions${query}`)
      .set('Authorization', auth)
      .send({ spec, ...extra });
  const version = async (n: number) =>
    (await request(server).get(`${PAYMENTS}/workspaces/dev/versions/${n}`).set('Authorization', auth)).body;
  const current = async () =>
    (await request(server).get(`${PAYMENTS}/workspaces`).set('Authorization', auth)).body.items.find(
      (i: any) => i.workspace.name === 'dev',
    ).currentVersion?.number;

  it('applies the rendered objects and follows the rollout to succeeded', async () => {
    gateway.rollouts = [
      { state: 'progressing', progress: { desiredReplicas: 1, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 }, message: '0 of 1 updated replicas' },
      succeeded(1),
    ];
    const res = await deploy();
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 1, status: 'succeeded', rollout: { readyReplicas: 1 } });
    expect(gateway.applied).toHaveLength(1);
    expect(gateway.applied[0].target).toEqual({ cluster: 'test', namespace: 'shipyard-dev', name: 'payments' });
    expect(gateway.applied[0].manifests.map(m => m.kind)).toEqual(['Deployment', 'Service']);
    expect(await current()).toBe(1);
  });

  it('checks drift right after the rollout ends, so the workspace never reads "not checked" after an operation', async () => {
    const drift = async () => {
      const deadline = Date.now() + 5000;
      for (;;) {
        const items = (await request(server).get(`${PAYMENTS}/workspaces`).set('Authorization', auth)).body.items;
        const dev = items.find((i: any) => i.workspace.name === 'dev');
        if (dev.drift || Date.now() > deadline) return dev;
        await new Promise(r => setTimeout(r, 20));
      }
    };
    const checked = jest.spyOn(gateway, 'getLive');
    const first = await deploy();
    const afterFirst = await drift();
    expect(afterFirst.drift).toMatchObject({ drifted: false, fields: [] });
    expect(Date.parse(afterFirst.drift.checkedAt)).toBeGreaterThanOrEqual(Date.parse(first.body.finishedAt));
    // The next version clears the old check, and gets its own as soon as its rollout ends.
    const second = await deploy({ ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' });
    const afterSecond = await drift();
    expect(afterSecond.currentVersion.number).toBe(2);
    expect(Date.parse(afterSecond.drift.checkedAt)).toBeGreaterThanOrEqual(Date.parse(second.body.finishedAt));
    expect(checked).toHaveBeenCalledTimes(2);
    expect(checked.mock.calls[1][1][0].metadata.labels?.['shipyard/version']).toBe('2');
  });

  it('answers once applied without wait, and the rollout finishes in the background', async () => {
    const res = await deploy(baseSpec, '');
    expect(res.status).toBe(201);
    expect(['progressing', 'succeeded']).toContain(res.body.status);
    await new Promise(r => setTimeout(r, 200));
    expect((await version(1)).status).toBe('succeeded');
  });

  it('marks the version failed with the cluster’s reason when the cluster refuses, and the current version stays', async () => {
    await deploy();
    gateway.failNextApply = new ClusterOperationError(
      'PATCH deployments/payments answered 422: Deployment.apps "payments" is invalid: spec.template.spec.containers[0].image: Required value',
      'invalid',
    );
    const res = await deploy({ ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 2, status: 'failed' });
    expect(res.body.statusMessage).toMatch(/422: Deployment.apps "payments" is invalid/);
    expect(await current()).toBe(1);
    // The lease was released: the next deploy goes through.
    expect((await deploy()).body).toMatchObject({ number: 3, status: 'succeeded' });
  });

  it('rolls back automatically to the last succeeded version when a rollout fails', async () => {
    await deploy();
    gateway.rollouts = [failed('ReplicaSet "payments-7d9" has timed out progressing.'), succeeded()];
    const res = await deploy({ ...baseSpec, image: 'ghcr.io/acme/payments:9.9.9' });
    expect(res.body).toMatchObject({ number: 2, status: 'failed', statusMessage: 'ReplicaSet "payments-7d9" has timed out progressing.' });
    const v3 = await version(3);
    expect(v3).toMatchObject({
      origin: { type: 'rollback', version: 1, automatic: expect.stringMatching(/rollout of v2 failed/) },
      createdBy: 'shipyard:auto-rollback',
      status: 'succeeded',
    });
    expect(v3.spec).toEqual(baseSpec);
    expect(await current()).toBe(3);
  });

  it('answers 409 naming the holder while another operation holds the lease, and stores nothing', async () => {
    await knex('shipyard_workspace_state').insert({
      service_ref: 'component:default/payments',
      workspace: 'dev',
      latest_number: 0,
      lease_holder: 'backend-7/1234',
      lease_operation: 'deploy by user:default/jane',
      lease_acquired_at: new Date(),
      lease_expires_at: new Date(Date.now() + 60_000),
    });
    const res = await deploy();
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/busy: deploy by user:default\/jane by backend-7\/1234/);
    expect(Number((await knex('shipyard_versions').count({ c: '*' }))[0].c)).toBe(0);

    const states = await request(server).get(`${PAYMENTS}/workspaces`).set('Authorization', auth);
    expect(states.body.items.find((i: any) => i.workspace.name === 'dev').lease).toMatchObject({
      holder: 'backend-7/1234',
    });

    const released = await request(server).delete(`${PAYMENTS}/workspaces/dev/lease`).set('Authorization', auth);
    expect(released.status).toBe(200);
    expect(released.body.released.holder).toBe('backend-7/1234');
    expect((await deploy()).status).toBe(201);
  });

  it('takes over a lease whose holder died once it expires', async () => {
    await knex('shipyard_workspace_state').insert({
      service_ref: 'component:default/payments',
      workspace: 'dev',
      latest_number: 0,
      lease_holder: 'dead-backend/1',
      lease_operation: 'deploy',
      lease_acquired_at: new Date(Date.now() - 60_000),
      lease_expires_at: new Date(Date.now() - 1_000),
    });
    expect((await deploy()).body).toMatchObject({ number: 1, status: 'succeeded' });
  });

  it('blocks a promotion whose Secret or ConfigMap keys are missing in the target namespace', async () => {
    const spec = { ...baseSpec, env: { ...baseSpec.env, DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } } } };
    await deploy(spec, '?wait=true', { allowMissingReferences: true });
    const plan = async () =>
      (await request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'dev', target: 'staging' })).body;
    const blocked = await plan();
    expect(blocked.blockers).toEqual([
      expect.objectContaining({ code: 'missing-reference', path: 'env.DB_PASSWORD', message: expect.stringMatching(/Secret payments-db .*does not exist/) }),
    ]);
    gateway.existingKeys.add('Secret/payments-db/password');
    expect((await plan()).blockers).toEqual([]);
  });

  it('warns about drift of the target in promotion plans and rollback previews', async () => {
    await deploy();
    await deploy({ ...baseSpec, replicas: 3 });
    await knex('shipyard_workspace_state')
      .where({ workspace: 'dev' })
      .update({ drift: JSON.stringify({ checkedAt: new Date().toISOString(), drifted: true, fields: [{ path: 'replicas', expected: 3, live: 5 }] }) });
    const preview = await request(server).get(`${PAYMENTS}/workspaces/dev/versions/1/rollback-plan`).set('Authorization', auth);
    expect(preview.body.warnings).toEqual([expect.objectContaining({ code: 'target-drift', message: expect.stringMatching(/replicas/) })]);
    expect(preview.body.changes).toEqual([{ path: 'replicas', kind: 'changed', before: 3, after: 1 }]);
  });
});
