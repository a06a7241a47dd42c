import { mockCredentials, mockServices, TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PromotionPlan, ServiceSpec, Version } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { baseSpec, startShipyard } from '../__testUtils__/startShipyard';

jest.setTimeout(120_000);

const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('createRouter (%s)', databaseId => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    const started = await startShipyard(knex);
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());
  afterEach(async () => {
    await knex('shipyard_versions').del();
    await knex('shipyard_workspace_state').del();
  });

  const deploy = (workspace: string, spec: ServiceSpec, extra: object = {}) =>
    request(server)
      .post(`${PAYMENTS}/workspaces/${workspace}/versions`)
      .set('Authorization', auth)
      .send({ spec, ...extra });
  const versionCount = async () => Number((await knex('shipyard_versions').count({ c: '*' }))[0].c);
  // These workspaces have no cluster: versions are only recorded, and only a succeeded one is promoted.
  const markSucceeded = (workspace: string) =>
    knex('shipyard_versions').where({ workspace }).update({ status: 'succeeded', finished_at: new Date() });

  it('lists the configured workspaces', async () => {
    const res = await request(server).get('/api/shipyard/workspaces').set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.body.items.map((w: any) => [w.name, w.environment, w.protected])).toEqual([
      ['dev', 'dev', false],
      ['staging', 'staging', false],
      ['prod', 'prod', true],
    ]);
  });

  it('deploys v1..v10 and a rollback to v5 creates v11 with v5’s spec', async () => {
    for (let i = 1; i <= 10; i++) {
      const res = await deploy('dev', { ...baseSpec, image: `ghcr.io/acme/payments:1.0.${i}` }, { message: `release ${i}` });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ number: i, status: 'recorded', origin: { type: 'deploy' } });
    }
    const v5 = await request(server).get(`${PAYMENTS}/workspaces/dev/versions/5`).set('Authorization', auth);
    const rollback = await request(server)
      .post(`${PAYMENTS}/workspaces/dev/versions/5/rollback`)
      .set('Authorization', auth)
      .send({ reason: '1.0.10 leaks connections' });
    expect(rollback.status).toBe(201);
    expect(rollback.body).toMatchObject({
      number: 11,
      origin: { type: 'rollback', version: 5 },
      message: '1.0.10 leaks connections',
      createdBy: 'user:default/mock',
    });
    expect(rollback.body.spec).toEqual(v5.body.spec);
    expect(rollback.body.specHash).toBe(v5.body.specHash);

    const states = await request(server).get(`${PAYMENTS}/workspaces`).set('Authorization', auth);
    const dev = states.body.items.find((s: any) => s.workspace.name === 'dev');
    expect(dev.currentVersion.number).toBe(11);
    expect(dev.versionCount).toBe(11);
  });

  it('serves one version with its rendered manifests', async () => {
    await deploy('dev', baseSpec);
    const res = await request(server).get(`${PAYMENTS}/workspaces/dev/versions/1`).set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.body.manifests.map((m: any) => m.kind)).toEqual(['Deployment', 'Service']);
    const deployment = res.body.manifests[0];
    expect(deployment.metadata).toMatchObject({
      name: 'payments',
      namespace: 'shipyard-dev',
      labels: { 'backstage.io/kubernetes-id': 'payments', 'shipyard/version': '1' },
    });
  });

  it('pages the history newest first', async () => {
    for (let i = 1; i <= 5; i++) await deploy('dev', { ...baseSpec, replicas: i });
    const first = await request(server).get(`${PAYMENTS}/workspaces/dev/versions?limit=2`).set('Authorization', auth);
    expect(first.body.items.map((v: Version) => v.number)).toEqual([5, 4]);
    expect(first.body.totalCount).toBe(5);
    const next = await request(server)
      .get(`${PAYMENTS}/workspaces/dev/versions?limit=2&cursor=${first.body.nextCursor}`)
      .set('Authorization', auth);
    expect(next.body.items.map((v: Version) => v.number)).toEqual([3, 2]);
  });

  it('refuses a deploy based on a stale current version with 409 and stores nothing', async () => {
    await deploy('dev', baseSpec, { expectedCurrentVersion: 0 });
    await deploy('dev', { ...baseSpec, replicas: 3 }, { expectedCurrentVersion: 1 });
    const stale = await deploy('dev', { ...baseSpec, replicas: 4 }, { expectedCurrentVersion: 1, origin: 'edit' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ name: 'ConflictError' });
    expect(stale.body.error.message).toMatch(/current version .* is v2/);
    expect(await versionCount()).toBe(2);
  });

  it('diffs two versions, also across workspaces', async () => {
    await deploy('dev', baseSpec);
    await deploy('staging', { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0', env: { LOG_LEVEL: 'debug' } });
    const res = await request(server)
      .get(`${PAYMENTS}/diff?from=dev:1&to=staging:1`)
      .set('Authorization', auth);
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual(
      expect.arrayContaining([
        { path: 'image', kind: 'changed', before: baseSpec.image, after: 'ghcr.io/acme/payments:2.0.0' },
        { path: 'env.LOG_LEVEL', kind: 'changed', before: 'info', after: 'debug' },
        { path: 'env.DB_URL', kind: 'removed', before: 'postgres://dev-db/payments' },
      ]),
    );
    const missing = await request(server).get(`${PAYMENTS}/diff?from=dev:1&to=staging:9`).set('Authorization', auth);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/^to: .* no v9 in staging/);
  });

  it('promotes staging to prod: code from staging, sizing and existing values from prod, new keys need input', async () => {
    const prodSpec: ServiceSpec = {
      image: 'ghcr.io/acme/payments:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      env: { LOG_LEVEL: 'warn', DB_URL: 'postgres://prod-db/payments' },
      autoscaling: { minReplicas: 3, maxReplicas: 12, targetCPUUtilizationPercentage: 60 },
      resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    };
    const stagingSpec: ServiceSpec = {
      image: 'ghcr.io/acme/payments:1.1.0',
      ports: [{ name: 'http', port: 8080 }],
      env: {
        LOG_LEVEL: 'info',
        DB_URL: 'postgres://staging-db/payments',
        FEATURE_FLAGS_URL: 'https://flags.staging.acme.dev',
        API_KEY: { secretKeyRef: { name: 'payments-api', key: 'key' } },
      },
      replicas: 1,
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      readinessProbe: { httpGet: { path: '/healthz/ready', port: 'http' }, periodSeconds: 5 },
      livenessProbe: { httpGet: { path: '/healthz/live', port: 'http' } },
    };
    expect((await deploy('prod', prodSpec)).status).toBe(201);
    expect((await deploy('staging', stagingSpec)).status).toBe(201);
    await markSucceeded('staging');

    const planRes = await request(server)
      .post(`${PAYMENTS}/promotions/plan`)
      .set('Authorization', auth)
      .send({ source: 'staging', target: 'prod' });
    expect(planRes.status).toBe(200);
    const plan: PromotionPlan = planRes.body;
    const action = (path: string) => plan.changes.find(c => c.path === path)?.action;
    expect(action('image')).toBe('overwrite');
    expect(action('readinessProbe')).toBe('overwrite');
    expect(action('livenessProbe')).toBe('overwrite');
    expect(action('autoscaling')).toBe('retain');
    expect(action('resources')).toBe('retain');
    expect(action('env.LOG_LEVEL')).toBe('retain');
    expect(action('env.DB_URL')).toBe('retain');
    expect(action('env.FEATURE_FLAGS_URL')).toBe('needs-input');
    expect(action('env.API_KEY')).toBe('needs-input');
    expect(plan.blockers.map(b => b.path).sort()).toEqual(['env.API_KEY', 'env.FEATURE_FLAGS_URL']);
    expect(plan.warnings.map(w => w.code)).toContain('protected-target');
    expect(plan.spec.autoscaling).toEqual(prodSpec.autoscaling);
    expect(plan.spec.replicas).toBeUndefined();

    const promote = (body: object) =>
      request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({ source: 'staging', target: 'prod', planHash: plan.planHash, ...body });

    const unresolved = await promote({});
    expect(unresolved.status).toBe(400);
    expect(unresolved.body.error.message).toMatch(/env\.FEATURE_FLAGS_URL/);
    const wrongHash = await promote({ planHash: 'f'.repeat(64) });
    expect(wrongHash.status).toBe(409);
    expect(wrongHash.body.error.message).toMatch(/stale/);
    expect(await versionCount()).toBe(2);

    const done = await promote({
      inputs: {
        env: {
          FEATURE_FLAGS_URL: 'https://flags.acme.com',
          API_KEY: { secretKeyRef: { name: 'payments-api-prod', key: 'key' } },
        },
      },
      reason: 'release 1.1.0',
    });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({
      number: 2,
      workspace: 'prod',
      origin: { type: 'promotion', workspace: 'staging', version: 1 },
      message: 'release 1.1.0',
    });
    expect(done.body.spec).toMatchObject({
      image: 'ghcr.io/acme/payments:1.1.0',
      readinessProbe: stagingSpec.readinessProbe,
      autoscaling: prodSpec.autoscaling,
      resources: prodSpec.resources,
      env: {
        LOG_LEVEL: 'warn',
        DB_URL: 'postgres://prod-db/payments',
        FEATURE_FLAGS_URL: 'https://flags.acme.com',
        API_KEY: { secretKeyRef: { name: 'payments-api-prod', key: 'key' } },
      },
    });

    // The same plan again is stale: prod moved on.
    const again = await promote({ inputs: { env: { FEATURE_FLAGS_URL: 'x', API_KEY: 'y' } } });
    expect(again.status).toBe(409);

    const replan = await request(server)
      .post(`${PAYMENTS}/promotions/plan`)
      .set('Authorization', auth)
      .send({ source: 'staging', target: 'prod' });
    expect(replan.body.blockers).toEqual([]);
    expect(replan.body.changes.filter((c: any) => !['unchanged', 'retain'].includes(c.action))).toEqual([]);
  });

  it('copies the source into an empty workspace on the first promotion and lists what to review', async () => {
    await deploy('dev', baseSpec);
    await markSucceeded('dev');
    const plan = await request(server)
      .post(`${PAYMENTS}/promotions/plan`)
      .set('Authorization', auth)
      .send({ source: 'dev', target: 'staging' });
    expect(plan.body.firstPromotion).toBe(true);
    expect(plan.body.spec).toEqual(baseSpec);
    expect(plan.body.blockers).toEqual([]);
    expect(plan.body.checklist.join('\n')).toMatch(/DB_URL/);
    const done = await request(server)
      .post(`${PAYMENTS}/promotions`)
      .set('Authorization', auth)
      .send({ source: 'dev', target: 'staging', planHash: plan.body.planHash });
    expect(done.status).toBe(201);
    expect(done.body.spec).toEqual(baseSpec);
  });

  it('keeps 64 concurrent deploys of one service unique and gap-free', async () => {
    const responses = await Promise.all(
      Array.from({ length: 64 }, (_, i) => deploy('dev', { ...baseSpec, replicas: i % 10 })),
    );
    expect(responses.map(r => r.status)).toEqual(Array(64).fill(201));
    expect(responses.map(r => r.body.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 64 }, (_, i) => i + 1),
    );
  });

  describe('refuses bad input with a 4xx naming the problem, and stores nothing', () => {
    const cases: Array<[string, () => request.Test, number, RegExp]> = [
      ['malformed JSON', () => request(server).post(`${PAYMENTS}/workspaces/dev/versions`).set('Authorization', auth).set('Content-Type', 'application/json').send('{"spec": {'), 400, /body: malformed JSON/],
      ['no spec', () => request(server).post(`${PAYMENTS}/workspaces/dev/versions`).set('Authorization', auth).send({}), 400, /spec/],
      ['an unknown body field', () => deploy('dev', baseSpec, { force: true }), 400, /force/],
      ['negative replicas', () => deploy('dev', { ...baseSpec, replicas: -1 }), 400, /replicas/],
      ['min > max autoscaling', () => deploy('dev', { ...baseSpec, replicas: undefined, autoscaling: { minReplicas: 5, maxReplicas: 2 } }), 400, /autoscaling/],
      ['replicas and autoscaling', () => deploy('dev', { ...baseSpec, autoscaling: { minReplicas: 1, maxReplicas: 2 } }), 400, /autoscaling|replicas/],
      ['a malformed image', () => deploy('dev', { ...baseSpec, image: 'Not An Image!' }), 400, /image/],
      ['a missing image', () => deploy('dev', { replicas: 1 } as any), 400, /image/],
      ['an unknown spec field', () => deploy('dev', { ...baseSpec, replicaz: 3 } as any), 400, /replicaz/],
      ['a probe on a port that does not exist', () => deploy('dev', { ...baseSpec, livenessProbe: { httpGet: { path: '/', port: 'metrics' } } }), 400, /livenessProbe/],
      ['an invalid env name', () => deploy('dev', { ...baseSpec, env: { 'BAD-NAME': 'x' } }), 400, /env/],
      ['an env ref with two sources', () => deploy('dev', { ...baseSpec, env: { X: { secretKeyRef: { name: 'a', key: 'b' }, configMapKeyRef: { name: 'a', key: 'b' } } as any } }), 400, /env/],
      ['an unknown workspace', () => deploy('qa', baseSpec), 404, /workspace: 'qa' is not configured/],
      ['a workspace the service does not use', () => request(server).post('/api/shipyard/services/component/default/dev-only/workspaces/prod/versions').set('Authorization', auth).send({ spec: baseSpec }), 400, /workspace: 'prod' is not one of/],
      ['an unknown entity', () => request(server).post('/api/shipyard/services/component/default/nope/workspaces/dev/versions').set('Authorization', auth).send({ spec: baseSpec }), 404, /no catalog entity component:default\/nope/],
      ['a body over the size limit', () => deploy('dev', { ...baseSpec, env: { BIG: 'x'.repeat(2_000_000) } }), 400, /larger than/],
      ['unicode in the name', () => request(server).post(`/api/shipyard/services/component/default/${encodeURIComponent('pāyments💥')}/workspaces/dev/versions`).set('Authorization', auth).send({ spec: baseSpec }), 400, /name/],
      ['SQL in the workspace', () => request(server).post(`${PAYMENTS}/workspaces/${encodeURIComponent("dev' OR 1=1 --")}/versions`).set('Authorization', auth).send({ spec: baseSpec }), 400, /workspace/],
      ['path traversal in the namespace', () => request(server).post('/api/shipyard/services/component/..%2F..%2Fetc/payments/workspaces/dev/versions').set('Authorization', auth).send({ spec: baseSpec }), 400, /namespace/],
      ['a non-numeric version', () => request(server).post(`${PAYMENTS}/workspaces/dev/versions/abc/rollback`).set('Authorization', auth).send({}), 400, /version/],
      ['a rollback to a missing version', () => request(server).post(`${PAYMENTS}/workspaces/dev/versions/99/rollback`).set('Authorization', auth).send({}), 404, /no v99/],
      ['a malformed diff address', () => request(server).get(`${PAYMENTS}/diff?from=dev&to=dev:1`).set('Authorization', auth), 400, /from/],
      ['a malformed plan hash', () => request(server).post(`${PAYMENTS}/promotions`).set('Authorization', auth).send({ source: 'dev', target: 'prod', planHash: 'abc' }), 400, /planHash/],
      ['a promotion from an empty workspace', () => request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'staging', target: 'prod' }), 400, /source: .* no current version in staging/],
      ['no token', () => request(server).post(`${PAYMENTS}/workspaces/dev/versions`).set('Authorization', mockCredentials.none.header()).send({ spec: baseSpec }), 401, /credentials|token/i],
    ];

    it.each(cases)('%s', async (_name, send, status, message) => {
      const before = await versionCount();
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
      expect(await versionCount()).toBe(before);
    });
  });
});

describe('createRouter without permission', () => {
  const ids = databases.eachSupportedId().filter(([id]) => id === 'SQLITE_3');
  it.each(ids)('refuses every mutating route with 403 and stores nothing (%s)', async databaseId => {
    const knex = await databases.init(databaseId as TestDatabaseId);
    const { backend, server } = await startShipyard(knex, { permission: AuthorizeResult.DENY });
    try {
      const mutations = [
        request(server).post(`${PAYMENTS}/workspaces/dev/versions`).send({ spec: baseSpec }),
        request(server).post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`).send({}),
        request(server).post(`${PAYMENTS}/promotions`).send({ source: 'dev', target: 'staging', planHash: 'a'.repeat(64) }),
        request(server).delete(`${PAYMENTS}/workspaces/dev/lease`),
      ];
      for (const pending of mutations) {
        const res = await pending.set('Authorization', auth);
        expect(res.status).toBe(403);
        expect(res.body.error.name).toBe('NotAllowedError');
      }
      const reads = await request(server).get(`${PAYMENTS}/workspaces/dev/versions`).set('Authorization', auth);
      expect(reads.status).toBe(403);
      expect(Number((await knex('shipyard_versions').count({ c: '*' }))[0].c)).toBe(0);
    } finally {
      await backend.stop();
    }
  });
});

describe('createRouter with a policy for protected workspaces', () => {
  it('lets owners deploy to dev but keeps prod, protected, to whoever holds shipyard.workspace.protected.update', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server } = await startShipyard(knex, {
      policy: name => (name === 'shipyard.workspace.protected.update' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW),
    });
    try {
      const toDev = await request(server).post(`${PAYMENTS}/workspaces/dev/versions`).set('Authorization', auth).send({ spec: baseSpec });
      expect(toDev.status).toBe(201);
      const toProd = await request(server).post(`${PAYMENTS}/workspaces/prod/versions`).set('Authorization', auth).send({ spec: baseSpec });
      expect(toProd.status).toBe(403);
      expect(toProd.body.error.message).toMatch(/shipyard.workspace.protected.update is not allowed .*workspace 'prod' is protected/);
      await request(server).post(`${PAYMENTS}/workspaces/staging/versions`).set('Authorization', auth).send({ spec: baseSpec });
      await knex('shipyard_versions').update({ status: 'succeeded', finished_at: new Date() });
      const plan = await request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'staging', target: 'prod' });
      const promote = await request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({ source: 'staging', target: 'prod', planHash: plan.body.planHash });
      expect(promote.status).toBe(403);
      const toStaging = await request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({ source: 'dev', target: 'staging', planHash: (await request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'dev', target: 'staging' })).body.planHash });
      expect(toStaging.status).toBe(201);
      expect(await knex('shipyard_versions').where({ workspace: 'prod' }).count({ c: '*' })).toEqual([{ c: 0 }]);
    } finally {
      await backend.stop();
    }
  });
});

describe('createRouter auditing', () => {
  it('records who did what to which version and why, and never a spec or an input value', async () => {
    const knex = await databases.init('SQLITE_3');
    const events: any[] = [];
    const auditor = mockServices.auditor.mock({
      createEvent: async options => {
        const event = { ...options, outcome: undefined as any };
        events.push(event);
        return {
          success: async result => {
            event.outcome = { success: result?.meta ?? {} };
          },
          fail: async result => {
            event.outcome = { fail: result.error.message };
          },
        };
      },
    });
    const { backend, server } = await startShipyard(knex, { features: [auditor.factory] });
    try {
      const secretish = 'postgres://admin:hunter2-literal@db/payments';
      await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions`)
        .set('Authorization', auth)
        .send({ spec: { ...baseSpec, env: { DB_URL: secretish, NEW_KEY: 'x' } }, message: 'first' });
      await request(server).post(`${PAYMENTS}/workspaces/staging/versions`).set('Authorization', auth).send({ spec: baseSpec });
      // No cluster here: the recorded versions count as succeeded, so the promotion may go ahead.
      await knex('shipyard_versions').update({ status: 'succeeded', finished_at: new Date() });
      const plan = await request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', auth).send({ source: 'dev', target: 'staging' });
      await request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({ source: 'dev', target: 'staging', planHash: plan.body.planHash, inputs: { env: { NEW_KEY: 'input-value-hunter3' } }, reason: 'ship it' });
      await request(server).post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`).set('Authorization', auth).send({ reason: 'oops' });

      expect(events.map(e => [e.eventId, e.outcome && Object.keys(e.outcome)[0]])).toEqual([
        ['version-deploy', 'success'],
        ['version-deploy', 'success'],
        ['promotion-execute', 'success'],
        ['version-rollback', 'success'],
        ['auto-promotion-hold-placed', 'success'],
      ]);
      expect(events[2].meta).toMatchObject({ source: 'dev', target: 'staging', inputKeys: ['NEW_KEY'], reason: 'ship it' });
      expect(events[2].outcome.success).toMatchObject({ version: 2, origin: { type: 'promotion', workspace: 'dev', version: 1 } });
      expect(events[3].meta).toMatchObject({ rollbackTo: 1, reason: 'oops' });
      const recorded = JSON.stringify(events.map(({ request: _r, ...e }) => e));
      expect(recorded).not.toContain('hunter2');
      expect(recorded).not.toContain('hunter3');
    } finally {
      await backend.stop();
    }
  });
});
