import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Knex } from 'knex';
import request from 'supertest';
import { ClusterOperationError } from '../cluster/ClusterGateway';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { LeaseManager } from '../operations/LeaseManager';
import { VersionOperations } from '../operations/VersionOperations';
import { baseSpec, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';
import { failed, FakeClusterGateway, succeeded } from '../__testUtils__/FakeClusterGateway';

/*
 * Issue 7's faults, each through the API: one owner per Kubernetes object,
 * one spelling per service, fenced and preemptible leases, partial applies,
 * no endless automatic rollbacks, read routes that do not write, and the
 * protected-workspace permission on every mutation.
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const SERVICES = '/api/shipyard/services';
const PAYMENTS = `${SERVICES}/component/default/payments`;
const auth = mockCredentials.user.header();
const progressing = {
  state: 'progressing' as const,
  progress: { desiredReplicas: 1, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 },
  message: '0 of 1 updated replicas',
};

const config = {
  shipyard: {
    ...workspacesConfig.shipyard,
    workspaces: workspacesConfig.shipyard.workspaces.map(w => (w.name === 'dev' ? { ...w, autoRollback: true } : w)),
    lease: { ttlSeconds: 5, waitSeconds: 0.3 },
  },
};

describe.each(databases.eachSupportedId())('Shipyard safety (%s)', databaseId => {
  let knex: Knex;
  let gateway: FakeClusterGateway;
  let server: any;
  let stop: () => Promise<void>;
  let denyProtected = false;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    gateway = new FakeClusterGateway();
    denyProtected = false;
    const started = await startShipyard(knex, {
      gateway,
      config,
      policy: name =>
        denyProtected && name === 'shipyard.workspace.protected.update' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
    });
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterEach(() => stop());

  const deploy = (service: string, spec = baseSpec, query = '?wait=true', extra: object = {}, workspace = 'dev') =>
    request(server)
      .post(`${service}/workspaces/${workspace}/versions${query}`)
      .set('Authorization', auth)
      .send({ spec, ...extra });
  const get = (path: string) => request(server).get(path).set('Authorization', auth);
  const version = async (n: number, service = PAYMENTS) => (await get(`${service}/workspaces/dev/versions/${n}`)).body;
  const count = async (service: string) => Number((await knex('shipyard_versions').where({ service_ref: service }).count({ c: '*' }))[0].c);
  const devState = async () => (await get(`${PAYMENTS}/workspaces`)).body.items.find((i: any) => i.workspace.name === 'dev');

  describe('one owner per object', () => {
    it('refuses another entity whose objects have the same name, naming the owner, and stores nothing', async () => {
      expect((await deploy(PAYMENTS)).status).toBe(201);
      for (const other of [`${SERVICES}/component/team-b/payments`, `${SERVICES}/component/default/impostor`]) {
        const res = await deploy(other);
        expect(res.status).toBe(409);
        expect(res.body.error.message).toMatch(/component:default\/payments/);
      }
      expect(await count('component:team-b/payments')).toBe(0);
      expect(await count('component:default/impostor')).toBe(0);
      expect(gateway.applied).toHaveLength(1);
    });

    it('keeps the claim in the database even when the live objects are gone', async () => {
      expect((await deploy(PAYMENTS)).status).toBe(201);
      gateway.owners.clear();
      const res = await deploy(`${SERVICES}/component/team-b/payments`);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/belong to component:default\/payments/);
      expect(await count('component:team-b/payments')).toBe(0);
      expect(gateway.applied).toHaveLength(1);
    });

    it('never takes over an object Shipyard did not create, unless the deploy says adopt', async () => {
      gateway.owners.set('shipyard-dev/payments', null);
      const refused = await deploy(PAYMENTS);
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/not created by Shipyard/);
      expect(await count('component:default/payments')).toBe(0);
      const adopted = await deploy(PAYMENTS, baseSpec, '?wait=true', { adopt: true });
      expect(adopted.status).toBe(201);
      expect(adopted.body).toMatchObject({ number: 1, status: 'succeeded' });
    });
  });

  it('keys every spelling of a service ref on the catalog’s spelling: one history, one counter', async () => {
    const a = await deploy(`${SERVICES}/component/default/PAYMENTS`);
    const b = await deploy(`${SERVICES}/Component/default/Payments`);
    const c = await deploy(PAYMENTS);
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect([a.body.number, b.body.number, c.body.number]).toEqual([1, 2, 3]);
    expect(new Set([a.body.service, b.body.service, c.body.service])).toEqual(new Set(['component:default/payments']));
    expect((await get(`${SERVICES}/component/default/PAYMENTS/workspaces/dev/versions`)).body.totalCount).toBe(3);
    expect(await count('component:default/PAYMENTS')).toBe(0);
  });

  describe('leases', () => {
    it('lets a rollback preempt an operation that only follows a slow rollout, while a deploy waits', async () => {
      expect((await deploy(PAYMENTS)).body.status).toBe('succeeded');
      gateway.rollouts = [progressing];
      const slow = await deploy(PAYMENTS, { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' }, '');
      expect(slow.body).toMatchObject({ number: 2, status: 'progressing' });

      const blocked = await deploy(PAYMENTS, { ...baseSpec, image: 'ghcr.io/acme/payments:3.0.0' }, '');
      expect(blocked.status).toBe(409);
      expect(blocked.body.error.message).toMatch(/is busy: deploy by/);

      // v2 never becomes ready; the rollback's v3 does.
      gateway.getRollout = async () => (gateway.applied.length >= 3 ? succeeded() : progressing);
      const started = Date.now();
      const rollback = await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions/1/rollback?wait=true`)
        .set('Authorization', auth)
        .send({ reason: '2.0.0 never becomes ready' });
      // Preempted, not waited out: the deploy's lease lives 5 s (lease.ttlSeconds above).
      expect(Date.now() - started).toBeLessThan(5000);
      expect(rollback.status).toBe(201);
      expect(rollback.body).toMatchObject({ number: 3, status: 'succeeded', origin: { type: 'rollback', version: 1 } });
      expect(await version(2)).toMatchObject({ status: 'failed', statusMessage: 'Superseded by v3 before its rollout finished' });
      expect((await devState()).currentVersion.number).toBe(3);
    });

    it('a holder whose lease was taken neither stores, applies nor moves the current version', async () => {
      expect((await deploy(PAYMENTS)).status).toBe(201);
      let release!: () => void;
      gateway.beforeOwnershipCheck = () => new Promise<void>(r => (release = r));
      const pending = deploy(PAYMENTS, { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' }).then(r => r);
      await new Promise(r => setTimeout(r, 300));
      const forced = await request(server).delete(`${PAYMENTS}/workspaces/dev/lease`).set('Authorization', auth);
      expect(forced.status).toBe(200);
      gateway.beforeOwnershipCheck = undefined;
      release();
      const res = await pending;
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/no longer holds the lease/);
      expect(gateway.applied).toHaveLength(1);
      expect(await count('component:default/payments')).toBe(1);
      expect((await devState()).currentVersion.number).toBe(1);
    });

    it('a holder that loses its lease during the apply does not move the current version', async () => {
      expect((await deploy(PAYMENTS)).status).toBe(201);
      let open!: () => void;
      gateway.gate = new Promise<void>(r => (open = r));
      const pending = deploy(PAYMENTS, { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' }).then(r => r);
      await new Promise(r => setTimeout(r, 300));
      expect((await request(server).delete(`${PAYMENTS}/workspaces/dev/lease`).set('Authorization', auth)).status).toBe(200);
      open();
      const res = await pending;
      expect(res.status).toBe(409);
      expect((await devState()).currentVersion.number).toBe(1);
      // The refresh task reconciles v2 from the cluster later; it is not current meanwhile.
      expect((await version(2)).status).toBe('applying');
    });
  });

  it('reports a partial apply as such, makes it current and rolls it back like a failed rollout', async () => {
    expect((await deploy(PAYMENTS)).body.status).toBe('succeeded');
    gateway.failNextApply = new ClusterOperationError(
      'Partially applied: Deployment/payments applied, then Service/payments failed: 422 spec.ports[0].port: Invalid value',
      'invalid',
      ['Deployment/payments'],
    );
    const res = await deploy(PAYMENTS, { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 2, status: 'failed', statusMessage: expect.stringMatching(/^Partially applied: Deployment\/payments applied/) });
    await new Promise(r => setTimeout(r, 300));
    expect(await version(3)).toMatchObject({ origin: { type: 'rollback', version: 1, automatic: expect.any(String) }, status: 'succeeded' });
    expect((await devState()).currentVersion.number).toBe(3);
  });

  it('never rolls back an automatic rollback automatically', async () => {
    expect((await deploy(PAYMENTS)).body.status).toBe('succeeded');
    gateway.rollouts = [failed('v2 never ready'), failed('the restore failed too')];
    const res = await deploy(PAYMENTS, { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' });
    expect(res.body).toMatchObject({ number: 2, status: 'failed' });
    expect(await version(3)).toMatchObject({ origin: { type: 'rollback', automatic: expect.any(String) }, status: 'failed' });
    await new Promise(r => setTimeout(r, 500));
    expect(await count('component:default/payments')).toBe(3);
  });

  it('warns on deploy about a literal value in an env var named like a secret, never echoing the value', async () => {
    const res = await deploy(PAYMENTS, { ...baseSpec, env: { ...baseSpec.env, DB_PASSWORD: 'hunter2' } });
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([expect.objectContaining({ code: 'secret-literal', path: 'env.DB_PASSWORD' })]);
    expect(JSON.stringify(res.body.warnings)).not.toContain('hunter2');
  });

  it('refuses reserved label prefixes in a spec, whichever way it arrives, and stores nothing', async () => {
    const res = await deploy(PAYMENTS, { ...baseSpec, labels: { 'node.kubernetes.io/pool': 'gpu' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/labels\.node\.kubernetes\.io\/pool/);
    expect(await count('component:default/payments')).toBe(0);
  });

  it('serves /live without writing drift, so reading never makes a plan stale', async () => {
    expect((await deploy(PAYMENTS)).status).toBe(201);
    // The deploy recorded its own check when its rollout ended.
    const recorded = (await devState()).drift;
    expect(recorded).toMatchObject({ drifted: false });
    gateway.getLive = async () => ({
      objects: [],
      drift: { checkedAt: new Date().toISOString(), drifted: true, fields: [{ path: 'replicas', expected: 1, live: 4 }] },
    });
    const live = await get(`${PAYMENTS}/workspaces/dev/live`);
    expect(live.body.drift.drifted).toBe(true);
    expect((await devState()).drift).toEqual(recorded);
  });

  it('answers a transient cluster error during planning with a retryable 503, not a blocker', async () => {
    await deploy(PAYMENTS, { ...baseSpec, env: { DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } } } }, '?wait=true', { allowMissingReferences: true }, 'staging');
    gateway.existingKeys.add('Secret/payments-db/password');
    const real = gateway.findMissingReferences.bind(gateway);
    gateway.findMissingReferences = async () => {
      throw new ClusterOperationError("cluster 'test' is unreachable: connect ECONNREFUSED", 'unreachable');
    };
    const plan = () =>
      request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'staging', target: 'prod' });
    const unavailable = await plan();
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error.message).toMatch(/retry the plan: cluster 'test' is unreachable/);
    gateway.findMissingReferences = real;
    const ok = await plan();
    expect(ok.status).toBe(200);
    expect(ok.body.blockers).toEqual([]);
  });

  it('refuses every mutation into a protected workspace without the protected-workspace permission', async () => {
    await deploy(PAYMENTS, baseSpec, '?wait=true', {}, 'staging');
    await deploy(PAYMENTS, baseSpec, '?wait=true', {}, 'prod');
    const plan = await request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'staging', target: 'prod' });
    await request(server).post(`${PAYMENTS}/workspaces/prod/versions/1/rollback`).set('Authorization', auth).send({});
    denyProtected = true;
    const answers = await Promise.all([
      deploy(PAYMENTS, baseSpec, '', {}, 'prod'),
      request(server).post(`${PAYMENTS}/workspaces/prod/versions/1/rollback`).set('Authorization', auth).send({}),
      request(server).post(`${PAYMENTS}/promotions`).set('Authorization', auth).send({ source: 'staging', target: 'prod', planHash: plan.body.planHash }),
      request(server).delete(`${PAYMENTS}/workspaces/prod/lease`).set('Authorization', auth),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(answer.body.error.message).toMatch(/workspace 'prod' is protected/);
    }
    expect(await count('component:default/payments')).toBe(3);
  });

  it('releases the lease when the database fails between the apply and the status update', async () => {
    const store = await DatabaseVersionStore.create({ database: { getClient: async () => knex, migrations: { skip: true } } });
    let failOnce = true;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'updateVersionStatus' && failOnce) {
          return async () => {
            failOnce = false;
            throw new Error('connection terminated unexpectedly');
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const logger = mockServices.logger.mock();
    const fake = new FakeClusterGateway();
    const operations = new VersionOperations({
      store: flaky,
      gateway: fake,
      logger,
      leases: new LeaseManager(flaky, logger, { ttlMs: 60_000, waitMs: 100 }),
      rolloutPollMs: 5,
    });
    const target = {
      entityRef: 'component:default/ledger',
      name: 'ledger',
      workspace: { name: 'dev', environment: 'dev', tier: 0, cluster: 'c', namespace: 'dev', protected: false, autoRollback: false },
    };
    const request1 = { spec: baseSpec, origin: { type: 'deploy' as const }, createdBy: 'user:default/jane' };
    await expect(operations.createAndApply(target, request1)).rejects.toThrow(/connection terminated/);
    // Freed at once, not after the 60 s TTL: the next operation proceeds.
    expect((await store.getWorkspaceState('component:default/ledger', 'dev'))?.lease).toBeUndefined();
    const next = await operations.createAndApply(target, request1, { wait: true });
    expect(next).toMatchObject({ number: 2, status: 'succeeded' });
    await operations.drain();
  });
});
