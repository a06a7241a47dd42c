import { BackstageCredentials, BackstageUserPrincipal } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices, TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PromotionRequest, ServiceSpec } from '@shipyard/backstage-plugin-common';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import knexFactory, { Knex } from 'knex';
import request from 'supertest';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { failed, FakeClusterGateway, succeeded } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';

jest.setTimeout(120_000);

const PAYMENTS = '/api/shipyard/services/component/default/payments';
const REQUESTS = '/api/shipyard/promotion-requests';

/** Users of the permission matrix; `owner` is a member of team-a, which owns payments. */
const USERS = {
  manager: 'user:default/manager',
  releaser: 'user:default/releaser',
  owner: 'user:default/owner',
  approver: 'user:default/approver',
  approver2: 'user:default/approver2',
  viewer: 'user:default/viewer',
  stranger: 'user:default/stranger',
  paymentsViewer: 'user:default/payments-viewer',
};
type User = keyof typeof USERS;
const as = (user: User) => mockCredentials.user.header(USERS[user]);

/**
 * Managers may do everything; releasers and owners everything but approve; approvers may read and
 * approve; viewers only read; strangers nothing. Shipyard's own service
 * credentials (notifications) are allowed.
 */
const ALLOWED: Record<string, (permission: string) => boolean> = {
  [USERS.manager]: () => true,
  [USERS.releaser]: p => p !== 'shipyard.promotion.approve',
  [USERS.owner]: p => p !== 'shipyard.promotion.approve',
  [USERS.approver]: p => ['shipyard.version.read', 'shipyard.promotion.approve'].includes(p),
  [USERS.approver2]: p => ['shipyard.version.read', 'shipyard.promotion.approve'].includes(p),
  [USERS.viewer]: p => p === 'shipyard.version.read',
};

function policy(permission: string, credentials?: BackstageCredentials, resourceRef?: string) {
  const principal = credentials?.principal as BackstageUserPrincipal | { type: string };
  if (principal?.type !== 'user') return AuthorizeResult.ALLOW;
  // Reads payments, and nothing of any other service.
  if ((principal as BackstageUserPrincipal).userEntityRef === USERS.paymentsViewer) {
    return permission === 'shipyard.version.read' && resourceRef === 'component:default/payments'
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY;
  }
  const allowed = ALLOWED[(principal as BackstageUserPrincipal).userEntityRef]?.(permission) ?? false;
  return allowed ? AuthorizeResult.ALLOW : AuthorizeResult.DENY;
}

const config = {
  // The notifications backend builds absolute links from it.
  app: { baseUrl: 'http://localhost:3000' },
  shipyard: {
    ...workspacesConfig.shipyard,
    workspaces: workspacesConfig.shipyard.workspaces.map(w => {
      if (w.name === 'dev') return { ...w, autoRollback: true };
      if (w.name === 'staging') return { ...w, approval: { required: 1 } };
      return { ...w, approval: { required: 2 } };
    }),
  },
};

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

type Notification = { user: string; payload: { title: string; description: string; link: string; severity: string } };

/** The notifications `user` has, read through the notifications backend's HTTP API. */
async function notificationsOf(server: any, user: User): Promise<Notification[]> {
  const res = await request(server).get('/api/notifications/notifications').set('Authorization', as(user));
  expect(res.status).toBe(200);
  return res.body.notifications;
}

/** `read()` once it has `count` items, or what it has after 5 s. */
async function eventually<T>(read: () => Promise<T[]>, count: number): Promise<T[]> {
  for (let i = 0; i < 100; i++) {
    const items = await read();
    if (items.length >= count) return items;
    await new Promise(r => setTimeout(r, 50));
  }
  return read();
}

/** The notifications backend beside Shipyard; it runs its own migrations, so it gets its own database. */
function notificationsBackend() {
  const db = knexFactory({ client: 'better-sqlite3', connection: ':memory:', useNullAsDefault: true });
  return { db, options: { pluginDatabases: { notifications: db } }, feature: notificationsPlugin };
}

describe.each(databases.eachSupportedId())('promotion requests (%s)', databaseId => {
  let knex: Knex;
  let notificationsDb: Knex;
  let gateway: FakeClusterGateway;
  let server: any;
  let stop: () => Promise<void>;
  const auditEvents: Array<{ eventId: string; meta?: any }> = [];

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    const notifications = notificationsBackend();
    notificationsDb = notifications.db;
    gateway = new FakeClusterGateway();
    const auditor = mockServices.auditor.mock({
      createEvent: async (options: any) => {
        auditEvents.push({ eventId: options.eventId, meta: options.meta });
        return { success: async () => {}, fail: async () => {} };
      },
    });
    const started = await startShipyard(knex, {
      gateway,
      config,
      policy,
      ...notifications.options,
      features: [auditor.factory, notifications.feature],
    });
    server = started.server;
    stop = async () => {
      await started.backend.stop();
      await notificationsDb.destroy();
    };
  });
  afterAll(() => stop());
  beforeEach(async () => {
    gateway.rollouts = [succeeded()];
    auditEvents.length = 0;
    await knex('shipyard_promotion_approvals').del();
    await knex('shipyard_promotion_requests').del();
    await knex('shipyard_versions').del();
    await knex('shipyard_workspace_state').del();
    await knex('shipyard_object_claims').del();
    await notificationsDb('notification').del();
  });

  const deploy = (workspace: string, spec: ServiceSpec) =>
    request(server)
      .post(`${PAYMENTS}/workspaces/${workspace}/versions?wait=true`)
      .set('Authorization', as('releaser'))
      .send({ spec });
  const plan = async (source: string, target: string) => {
    const res = await request(server)
      .post(`${PAYMENTS}/promotions/plan`)
      .set('Authorization', as('releaser'))
      .send({ source, target });
    expect(res.body.error?.message).toBeUndefined();
    expect(res.status).toBe(200);
    return res.body;
  };
  const ask = async (source: string, target: string, user: User = 'releaser', reason = 'ship 1.1.0') => {
    const { planHash } = await plan(source, target);
    return request(server)
      .post(`${PAYMENTS}/promotions/requests`)
      .set('Authorization', as(user))
      .send({ source, target, planHash, reason });
  };
  const act = (id: string, verb: 'approve' | 'decline' | 'execute', user: User, reason?: string) =>
    request(server)
      .post(`${REQUESTS}/${id}/${verb}`)
      .set('Authorization', as(user))
      .send(reason === undefined ? {} : { reason });
  const getRequest = async (id: string): Promise<PromotionRequest> =>
    (await request(server).get(`${REQUESTS}/${id}`).set('Authorization', as('viewer'))).body;
  const current = async (workspace: string) =>
    (await request(server).get(`${PAYMENTS}/workspaces`).set('Authorization', as('viewer'))).body.items.find(
      (i: any) => i.workspace.name === workspace,
    )?.currentVersion;

  /** dev v2 (1.1.0) ahead of staging v1 and prod v1 (1.0.0). */
  async function seed() {
    expect((await deploy('dev', baseSpec)).status).toBe(201);
    expect((await deploy('staging', baseSpec)).status).toBe(201);
    expect((await deploy('prod', baseSpec)).status).toBe(201);
    expect((await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' })).status).toBe(201);
  }

  it('refuses a direct promotion into a workspace that needs approval, pointing at the request route', async () => {
    await seed();
    const { planHash } = await plan('dev', 'staging');
    const res = await request(server)
      .post(`${PAYMENTS}/promotions`)
      .set('Authorization', as('releaser'))
      .send({ source: 'dev', target: 'staging', planHash });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /'staging' need 1 approval; request one with POST \/api\/shipyard\/services\/component\/default\/payments\/promotions\/requests/,
    );
    expect((await current('staging')).number).toBe(1);
  });

  it('the requester cannot approve, even holding the permission; another user can, and the promotion runs as the requester', async () => {
    await seed();
    const asked = await ask('dev', 'staging', 'manager');
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({
      status: 'pending',
      service: 'component:default/payments',
      source: 'dev',
      target: 'staging',
      sourceVersion: 2,
      targetVersion: 1,
      required: 1,
      approvals: [],
      requestedBy: USERS.manager,
      reason: 'ship 1.1.0',
      origin: 'promotion',
    });
    const id = asked.body.id;

    const own = await act(id, 'approve', 'manager');
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/requested this promotion and cannot approve it/);
    expect((await getRequest(id)).status).toBe('pending');

    const approved = await act(id, 'approve', 'approver', 'looks good');
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'executed',
      approvals: [{ by: USERS.approver, reason: 'looks good', planHash: asked.body.planHash }],
      outcome: { by: USERS.approver, version: 2 },
    });
    expect(approved.body.approvedAt).toEqual(expect.any(String));
    const staging = await current('staging');
    expect(staging).toMatchObject({
      number: 2,
      createdBy: USERS.manager,
      origin: { type: 'promotion', workspace: 'dev', version: 2 },
      message: 'ship 1.1.0',
    });
    expect(staging.spec.image).toBe('ghcr.io/acme/payments:1.1.0');
    expect(auditEvents.map(e => e.eventId)).toEqual(
      expect.arrayContaining(['promotion-request', 'promotion-request-approve', 'promotion-request-execute', 'promotion-execute']),
    );
    expect(auditEvents.find(e => e.eventId === 'promotion-execute')?.meta).toMatchObject({ promotionRequest: id });
  });

  it('counts one approval per user: a target that needs two waits for a second approver', async () => {
    await seed();
    const asked = await ask('staging', 'prod');
    // staging and prod have the same spec: a plan without changes is still a request.
    expect(asked.status).toBe(201);
    const id = asked.body.id;
    const first = await act(id, 'approve', 'approver');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'pending', approvals: [{ by: USERS.approver }] });
    const again = await act(id, 'approve', 'approver');
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already approved/);
    expect((await current('prod')).number).toBe(1);
    const second = await act(id, 'approve', 'approver2');
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('executed');
    expect(second.body.approvals.map((a: any) => a.by).sort()).toEqual([USERS.approver, USERS.approver2]);
    expect((await current('prod')).number).toBe(2);
  });

  it('runs the promotion once when the last two approvals arrive at the same time', async () => {
    await seed();
    const id = (await ask('staging', 'prod')).body.id;
    const [a, b] = await Promise.all([act(id, 'approve', 'approver'), act(id, 'approve', 'approver2')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const done = await getRequest(id);
    expect(done).toMatchObject({ status: 'executed', outcome: { version: 2 } });
    expect(done.approvals).toHaveLength(2);
    const prodVersions = await knex('shipyard_versions').where({ workspace: 'prod' }).count({ c: '*' });
    expect(Number(prodVersions[0].c)).toBe(2);
  });

  it('makes a request stale when the plan changes after it: its approval no longer applies', async () => {
    await seed();
    const asked = await ask('dev', 'staging');
    const id = asked.body.id;
    expect((await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.2.0' })).status).toBe(201);
    const res = await act(id, 'approve', 'approver');
    expect(res.status).toBe(409);
    // Found stale by this approval, or already when dev v3 was deployed.
    expect(res.body.error.message).toMatch(/stale.*the plan changed since the request: it was dev v2 -> staging v1, now dev v3 -> staging v1/);
    const stale = await getRequest(id);
    expect(stale).toMatchObject({ status: 'stale', approvals: [] });
    expect((await act(id, 'approve', 'approver2')).status).toBe(409);
    expect((await current('staging')).number).toBe(1);
    expect(auditEvents.map(e => e.eventId)).toContain('promotion-request-stale');

    // A new request for the new plan goes through.
    const again = await ask('dev', 'staging');
    expect((await act(again.body.id, 'approve', 'approver')).body.status).toBe('executed');
    expect((await current('staging')).spec.image).toBe('ghcr.io/acme/payments:1.2.0');
  });

  it('marks a pending request stale as soon as a new version changes its plan, before anyone approves', async () => {
    await seed();
    const id = (await ask('dev', 'staging')).body.id;
    const other = (await ask('staging', 'prod')).body.id;
    await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.2.0' });
    let stale = await getRequest(id);
    for (let i = 0; i < 100 && stale.status !== 'stale'; i++) {
      await new Promise(r => setTimeout(r, 50));
      stale = await getRequest(id);
    }
    expect(stale).toMatchObject({
      status: 'stale',
      outcome: { reason: expect.stringMatching(/it was dev v2 -> staging v1, now dev v3 -> staging v1/) },
    });
    // A request whose plan the new version does not touch stays pending.
    expect((await getRequest(other)).status).toBe('pending');
    const pending = await request(server).get(`${REQUESTS}?status=pending`).set('Authorization', as('approver'));
    expect(pending.body.items.map((r: PromotionRequest) => r.id)).toEqual([other]);
  });

  it('refuses a request for a stale plan hash, for a workspace without approvals, and stores nothing', async () => {
    await seed();
    const { planHash } = await plan('dev', 'staging');
    await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.2.0' });
    const stale = await request(server)
      .post(`${PAYMENTS}/promotions/requests`)
      .set('Authorization', as('releaser'))
      .send({ source: 'dev', target: 'staging', planHash });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/^planHash: the plan is stale/);
    // A workspace without approvals that a service's path leads into.
    const REHEARSAL = '/api/shipyard/services/component/default/rehearsal';
    await request(server).post(`${REHEARSAL}/workspaces/staging/versions?wait=true`).set('Authorization', as('releaser')).send({ spec: baseSpec });
    const devPlan = await request(server)
      .post(`${REHEARSAL}/promotions/plan`)
      .set('Authorization', as('releaser'))
      .send({ source: 'staging', target: 'dev' });
    expect(devPlan.status).toBe(200);
    const noApproval = await request(server)
      .post(`${REHEARSAL}/promotions/requests`)
      .set('Authorization', as('releaser'))
      .send({ source: 'staging', target: 'dev', planHash: devPlan.body.planHash });
    expect(noApproval.status).toBe(400);
    expect(noApproval.body.error.message).toMatch(/^target: 'dev' needs no approval; promote directly/);
    const malformed = await request(server)
      .post(`${PAYMENTS}/promotions/requests`)
      .set('Authorization', as('releaser'))
      .send({ source: 'dev', target: 'staging', planHash: 'abc' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/planHash/);
    expect(await knex('shipyard_promotion_requests').count({ c: '*' })).toEqual([{ c: expect.anything() }]);
    expect(Number((await knex('shipyard_promotion_requests').count({ c: '*' }))[0].c)).toBe(0);
  });

  it('asks the inputs with the request and promotes with the stored ones, showing only their names', async () => {
    await seed();
    await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0', env: { ...baseSpec.env, FLAGS_URL: 'https://flags.dev' } });
    const { planHash, blockers } = await plan('dev', 'staging');
    expect(blockers.map((b: any) => b.path)).toEqual(['env.FLAGS_URL']);
    const send = (body: object) =>
      request(server)
        .post(`${PAYMENTS}/promotions/requests`)
        .set('Authorization', as('releaser'))
        .send({ source: 'dev', target: 'staging', planHash, ...body });
    const without = await send({});
    expect(without.status).toBe(400);
    expect(without.body.error.message).toMatch(/^inputs: the plan has unresolved blockers: env.FLAGS_URL/);
    const asked = await send({ inputs: { env: { FLAGS_URL: 'https://flags.staging' } } });
    expect(asked.status).toBe(201);
    expect(asked.body.inputKeys).toEqual(['FLAGS_URL']);
    expect(JSON.stringify(asked.body)).not.toContain('flags.staging');
    const listed = await request(server).get(`${REQUESTS}?status=pending`).set('Authorization', as('approver'));
    expect(JSON.stringify(listed.body)).not.toContain('flags.staging');
    expect((await act(asked.body.id, 'approve', 'approver')).body.status).toBe('executed');
    expect((await current('staging')).spec.env.FLAGS_URL).toBe('https://flags.staging');
    expect(auditEvents.find(e => e.eventId === 'promotion-request')?.meta).toMatchObject({ inputKeys: ['FLAGS_URL'] });
    expect(JSON.stringify(auditEvents)).not.toContain('flags.staging');
  });

  it('declines with who and why; the requester may withdraw; a closed request takes no approval', async () => {
    await seed();
    const a = (await ask('dev', 'staging')).body.id;
    const declined = await act(a, 'decline', 'approver', 'not during the sale');
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({
      status: 'declined',
      outcome: { by: USERS.approver, reason: 'not during the sale' },
    });
    expect(auditEvents.find(e => e.eventId === 'promotion-request-decline')?.meta).toMatchObject({
      requestId: a,
      reason: 'not during the sale',
      withdrawn: false,
    });
    const late = await act(a, 'approve', 'approver2');
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/cannot approve a request that is declined/);

    const b = (await ask('dev', 'staging')).body.id;
    expect((await act(b, 'decline', 'viewer')).status).toBe(403);
    const withdrawn = await act(b, 'decline', 'releaser', 'wrong build');
    expect(withdrawn.body).toMatchObject({ status: 'declined', outcome: { by: USERS.releaser, reason: 'wrong build' } });
    expect((await current('staging')).number).toBe(1);
  });

  it('lists requests across services and per service, newest first, with a status filter', async () => {
    await seed();
    const a = (await ask('dev', 'staging')).body;
    await act(a.id, 'decline', 'approver', 'no');
    const b = (await ask('dev', 'staging', 'releaser', 'second try')).body;
    const pending = await request(server).get(`${REQUESTS}?status=pending`).set('Authorization', as('approver'));
    expect(pending.status).toBe(200);
    expect(pending.body.items.map((r: PromotionRequest) => r.id)).toEqual([b.id]);
    expect(pending.body.items[0]).toMatchObject({ requestedBy: USERS.releaser, reason: 'second try', inputKeys: [] });
    expect(pending.body.items[0]).not.toHaveProperty('inputs');
    const all = await request(server).get(`${PAYMENTS}/promotions/requests`).set('Authorization', as('viewer'));
    expect(all.body.items.map((r: PromotionRequest) => [r.id, r.status])).toEqual([
      [b.id, 'pending'],
      [a.id, 'declined'],
    ]);
    const two = await request(server).get(`${REQUESTS}?status=pending,declined&limit=1`).set('Authorization', as('viewer'));
    expect(two.body).toEqual({ items: [expect.objectContaining({ id: b.id })] });
    const bad = await request(server).get(`${REQUESTS}?status=waiting`).set('Authorization', as('viewer'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^status: must be one or more of pending, approved/);
    const unknown = await request(server)
      .get(`${REQUESTS}/00000000-0000-4000-8000-000000000000`)
      .set('Authorization', as('viewer'));
    expect(unknown.status).toBe(404);
  });

  it('lists across services only the requests of services the caller may read, and fills the page with them', async () => {
    await seed();
    const mine = (await ask('dev', 'staging')).body;
    // Newer requests of ledger, which the payments viewer may not read.
    const LEDGER = '/api/shipyard/services/component/default/ledger';
    for (const ws of ['dev', 'staging']) {
      expect((await request(server).post(`${LEDGER}/workspaces/${ws}/versions?wait=true`).set('Authorization', as('releaser')).send({ spec: baseSpec })).status).toBe(201);
    }
    await request(server).post(`${LEDGER}/workspaces/dev/versions?wait=true`).set('Authorization', as('releaser')).send({ spec: { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' } });
    const ledgerIds: string[] = [];
    const declined: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { planHash } = (await request(server).post(`${LEDGER}/promotions/plan`).set('Authorization', as('releaser')).send({ source: 'dev', target: 'staging' })).body;
      const made = await request(server)
        .post(`${LEDGER}/promotions/requests`)
        .set('Authorization', as('releaser'))
        .send({ source: 'dev', target: 'staging', planHash, reason: `ledger ${i}` });
      expect(made.status).toBe(201);
      ledgerIds.push(made.body.id);
      if (i < 2) declined.push((await act(made.body.id, 'decline', 'approver', 'not yet')).status);
    }
    expect(declined).toEqual([200, 200]);

    const one = await request(server).get(`${REQUESTS}?limit=1`).set('Authorization', as('paymentsViewer'));
    expect(one.status).toBe(200);
    expect(one.body.items.map((r: PromotionRequest) => r.id)).toEqual([mine.id]);
    const everyone = await request(server).get(`${REQUESTS}?limit=2`).set('Authorization', as('viewer'));
    expect(everyone.body.items.map((r: PromotionRequest) => r.id)).toEqual([ledgerIds[2], ledgerIds[1]]);
  });

  describe('permissions', () => {
    type Expectations = {
      request: number;
      /** Status, and how many pending requests the caller sees across services. */
      list: [number, number?];
      serviceList: number;
      /** Status, and the request's status afterwards. */
      approve: [number, string];
      decline: number;
    };
    const matrix: Array<[string, User | undefined, Expectations]> = [
      ['no token', undefined, { request: 401, list: [401], serviceList: 401, approve: [401, 'pending'], decline: 401 }],
      // Requests of services one cannot read are left out, not refused.
      ['no permission', 'stranger', { request: 403, list: [200, 0], serviceList: 403, approve: [403, 'pending'], decline: 403 }],
      ['read only', 'viewer', { request: 403, list: [200, 1], serviceList: 200, approve: [403, 'pending'], decline: 403 }],
      [
        'owner (may promote, not approve)',
        'owner',
        { request: 201, list: [200, 2], serviceList: 200, approve: [403, 'pending'], decline: 403 },
      ],
      // The approval executes the request, which then cannot be declined.
      ['approver', 'approver', { request: 403, list: [200, 1], serviceList: 200, approve: [200, 'executed'], decline: 409 }],
    ];

    it.each(matrix)('%s', async (_name, user, expected) => {
      await seed();
      const open = (await ask('dev', 'staging')).body.id;
      const { planHash } = await plan('dev', 'staging');
      const call = (r: request.Test) => r.set('Authorization', user ? as(user) : mockCredentials.none.header());
      const asked = await call(request(server).post(`${PAYMENTS}/promotions/requests`)).send({
        source: 'dev',
        target: 'staging',
        planHash,
      });
      const list = await call(request(server).get(`${REQUESTS}?status=pending`));
      const serviceList = await call(request(server).get(`${PAYMENTS}/promotions/requests`));
      const approve = await call(request(server).post(`${REQUESTS}/${open}/approve`)).send({});
      const afterApproval = (await getRequest(open)).status;
      const decline = await call(request(server).post(`${REQUESTS}/${open}/decline`)).send({});
      expect({
        request: asked.status,
        list: list.status === 200 ? [200, list.body.items.length] : [list.status],
        serviceList: serviceList.status,
        approve: [approve.status, afterApproval],
        decline: decline.status,
      }).toEqual(expected);
    });
  });

  describe('notifications to the service’s owners', () => {
    const notifications = (user: User) => notificationsOf(server, user);

    it('tells the owner that a request waits for approval, with a link to the Promote tab', async () => {
      await seed();
      await ask('dev', 'staging');
      const [waiting] = await eventually(() => notifications('owner'), 1);
      expect(waiting.payload).toMatchObject({
        title: 'Promotion of payments to staging waits for approval',
        link: '/catalog/default/component/payments/promote',
        severity: 'normal',
      });
      expect(waiting.payload.description).toMatch(/user:default\/releaser asks to promote dev v2 to staging: ship 1.1.0/);
      // Not a member of team-a: nothing for them.
      expect(await notifications('viewer')).toEqual([]);
    });

    it('tells the owner when a version fails and is rolled back automatically, linking to the Versions tab', async () => {
      expect((await deploy('dev', baseSpec)).body.status).toBe('succeeded');
      gateway.rollouts = [failed('ReplicaSet "payments-2" has timed out progressing.'), succeeded()];
      await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:9.9.9' });
      const items = await eventually(() => notifications('owner'), 2);
      const titles = items.map(n => n.payload.title).sort();
      expect(titles).toEqual(['payments v2 failed in dev', 'payments was rolled back to v1 in dev']);
      const failure = items.find(n => n.payload.title === 'payments v2 failed in dev')!;
      expect(failure.payload).toMatchObject({
        link: '/catalog/default/component/payments/versions/dev/2',
        severity: 'high',
      });
      expect(failure.payload.description).toMatch(/timed out progressing/);
      const rollback = items.find(n => n.payload.title.includes('rolled back'))!;
      expect(rollback.payload.link).toBe('/catalog/default/component/payments/versions');
    });
  });
});

/**
 * Shipyard with `shipyard` settings on top of the tests' config, dev v2
 * (1.1.0) ahead of staging v1, and the releaser's request to promote it.
 */
async function startWithRequest(databaseId: TestDatabaseId, shipyard: object) {
  const knex = await databases.init(databaseId);
  const started = await startShipyard(knex, {
    gateway: new FakeClusterGateway(),
    config: { ...config, shipyard: { ...config.shipyard, ...shipyard } },
    policy,
  });
  const server = started.server;
  const deploy = (workspace: string, spec: ServiceSpec) =>
    request(server).post(`${PAYMENTS}/workspaces/${workspace}/versions?wait=true`).set('Authorization', as('releaser')).send({ spec });
  await deploy('dev', baseSpec);
  await deploy('staging', baseSpec);
  await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' });
  const plan = (
    await request(server).post(`${PAYMENTS}/promotions/plan`).set('Authorization', as('releaser')).send({ source: 'dev', target: 'staging' })
  ).body;
  const asked = await request(server)
    .post(`${PAYMENTS}/promotions/requests`)
    .set('Authorization', as('releaser'))
    .send({ source: 'dev', target: 'staging', planHash: plan.planHash });
  expect(asked.status).toBe(201);
  const act = (verb: 'approve' | 'execute', user: User) =>
    request(server).post(`${REQUESTS}/${asked.body.id}/${verb}`).set('Authorization', as(user)).send({});
  return { knex, id: asked.body.id as string, plan, act, stop: () => started.backend.stop() };
}

describe.each(databases.eachSupportedId())('promotion requests executed by the requester (%s)', databaseId => {
  it('waits for the requester once approved; only the requester executes it', async () => {
    const { act, stop } = await startWithRequest(databaseId, { approval: { execute: 'by-requester' } });
    try {
      const approved = await act('approve', 'approver');
      expect(approved.body).toMatchObject({ status: 'approved' });
      expect(approved.body).not.toHaveProperty('outcome');

      const byApprover = await act('execute', 'approver');
      expect(byApprover.status).toBe(403);
      expect(byApprover.body.error.message).toMatch(/only its requester user:default\/releaser executes/);

      const executed = await act('execute', 'releaser');
      expect(executed.status).toBe(200);
      expect(executed.body).toMatchObject({ status: 'executed', outcome: { by: USERS.releaser, version: 2 } });
      const again = await act('execute', 'releaser');
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/cannot execute a request that is executed/);
    } finally {
      await stop();
    }
  });
});

describe.each(databases.eachSupportedId())('promotion requests after a crash (%s)', databaseId => {
  it('records a request as executed when a backend died after its version was created, and promotes nothing twice', async () => {
    const { knex, id, act, stop } = await startWithRequest(databaseId, { approval: { execute: 'by-requester' } });
    try {
      expect((await act('approve', 'approver')).body.status).toBe('approved');
      // As a backend that died inside the execution leaves it: the version stored, the request approved and claimed.
      const store = await DatabaseVersionStore.create({ database: { getClient: async () => knex } as any, skipMigrations: true });
      const created = await store.createVersion(
        {
          service: 'component:default/payments',
          workspace: 'staging',
          spec: { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' },
          origin: { type: 'promotion', workspace: 'dev', version: 2 },
          status: 'succeeded',
          createdBy: USERS.releaser,
        },
        { makeCurrent: true },
      );
      await knex('shipyard_promotion_requests').where({ id }).update({ executing_since: new Date(Date.now() - 11 * 60_000) });

      const executed = await act('execute', 'releaser');
      expect(executed.status).toBe(200);
      expect(executed.body).toMatchObject({
        status: 'executed',
        outcome: { version: created.number, reason: 'found executed after an interrupted run' },
      });
      expect(Number((await knex('shipyard_versions').where({ workspace: 'staging' }).count({ c: '*' }))[0].c)).toBe(2);
    } finally {
      await stop();
    }
  });
});

describe.each(databases.eachSupportedId())('promotion requests and blockers that pass with time (%s)', databaseId => {
  it('takes a request during the soak time, holds the approved request until it has passed, then runs it', async () => {
    const { plan, act, stop } = await startWithRequest(databaseId, {
      workspaces: config.shipyard.workspaces.map(w => (w.name === 'staging' ? { ...w, soakSeconds: 2 } : w)),
    });
    try {
      expect(plan.blockers.map((b: any) => b.code)).toEqual(['soak']);
      const approved = await act('approve', 'approver');
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe('approved');
      const early = await act('execute', 'releaser');
      expect(early.status).toBe(409);
      expect(early.body.error.message).toMatch(
        /^request: approved, but it cannot run yet: dev v2 succeeded .* ago; staging wants versions that have run 2s/,
      );

      await new Promise(resolve => setTimeout(resolve, 2100));
      const executed = await act('execute', 'releaser');
      expect(executed.status).toBe(200);
      expect(executed.body).toMatchObject({ status: 'executed', outcome: { by: USERS.releaser, version: 2 } });
    } finally {
      await stop();
    }
  });
});

describe.each(databases.eachSupportedId())('promotion requests of auto-promotion (%s)', databaseId => {
  it('runs on approval as auto-promotion, whatever approval.execute says, and anyone with the permission counts', async () => {
    const knex = await databases.init(databaseId);
    const { backend, server } = await startShipyard(knex, {
      gateway: new FakeClusterGateway(),
      config: { ...config, shipyard: { ...config.shipyard, approval: { execute: 'by-requester' } } },
      policy,
    });
    try {
      const ORDERS = '/api/shipyard/services/component/default/orders';
      const deployed = await request(server)
        .post(`${ORDERS}/workspaces/dev/versions?wait=true`)
        .set('Authorization', as('releaser'))
        .send({ spec: baseSpec });
      expect(deployed.body.status).toBe('succeeded');
      let asked: PromotionRequest | undefined;
      for (let i = 0; i < 100 && !asked; i++) {
        await new Promise(r => setTimeout(r, 50));
        asked = (await request(server).get(`${ORDERS}/promotions/requests`).set('Authorization', as('viewer'))).body.items[0];
      }
      expect(asked).toMatchObject({ origin: 'auto-promotion', requestedBy: 'shipyard:auto-promotion', status: 'pending' });

      const approved = await request(server).post(`${REQUESTS}/${asked!.id}/approve`).set('Authorization', as('approver')).send({});
      expect(approved.body).toMatchObject({ status: 'executed', outcome: { by: USERS.approver, version: 1 } });
      const staging = (await request(server).get(`${ORDERS}/workspaces/staging/versions/1`).set('Authorization', as('viewer'))).body;
      expect(staging).toMatchObject({
        origin: { type: 'auto-promotion', workspace: 'dev', version: 1 },
        createdBy: 'shipyard:auto-promotion',
      });
    } finally {
      await backend.stop();
    }
  });
});

describe.each(databases.eachSupportedId())('notifications of auto-promotion (%s)', databaseId => {
  it('tells the owner what auto-promotion promoted, and what it did not and why', async () => {
    const knex = await databases.init(databaseId);
    const notifications = notificationsBackend();
    const { backend, server } = await startShipyard(knex, {
      gateway: new FakeClusterGateway(),
      config: { ...workspacesConfig, app: config.app },
      policy,
      ...notifications.options,
      features: [notifications.feature],
    });
    try {
      const ORDERS = '/api/shipyard/services/component/default/orders';
      const deploy = (spec: ServiceSpec) =>
        request(server).post(`${ORDERS}/workspaces/dev/versions?wait=true`).set('Authorization', as('releaser')).send({ spec });
      expect((await deploy(baseSpec)).body.status).toBe('succeeded');
      const [promoted] = await eventually(() => notificationsOf(server, 'owner'), 1);
      expect(promoted.payload).toMatchObject({
        title: 'orders was promoted to staging automatically',
        description: 'dev v1 became staging v1 (shipyard/auto-promote).',
        link: '/catalog/default/component/orders/promote',
      });

      // A new env key needs a value for staging: auto-promotion stops and says so.
      await deploy({ ...baseSpec, image: 'ghcr.io/acme/orders:1.1.0', env: { ...baseSpec.env, FLAGS_URL: 'https://flags.dev' } });
      const items = await eventually(() => notificationsOf(server, 'owner'), 2);
      const blocked = items.find(n => n.payload.title.includes('was not promoted'));
      expect(blocked?.payload).toMatchObject({
        title: 'orders v2 was not promoted to staging automatically',
        link: '/catalog/default/component/orders/promote',
      });
      expect(blocked?.payload.description).toMatch(/FLAGS_URL/);
    } finally {
      await backend.stop();
      await notifications.db.destroy();
    }
  });
});
