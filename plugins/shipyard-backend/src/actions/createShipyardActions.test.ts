import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const alice = mockCredentials.user.header('user:default/alice');
const ACTIONS = '/api/shipyard/.backstage/actions/v1/actions';
const PAYMENTS = 'component:default/payments';
/** A service without a workspaces annotation, so it may use the frozen workspace too. */
const LEDGER = 'component:default/ledger';
const YEAR_END = { name: 'year end', start: '2000-01-01T00:00:00Z', end: '2999-01-01T00:00:00Z' };
const config = {
  shipyard: {
    workspaces: [
      ...workspacesConfig.shipyard.workspaces,
      { name: 'frozen', environment: 'staging', namespace: 'shipyard-frozen', freezes: [YEAR_END] },
    ],
  },
  backend: { actions: { pluginSources: ['shipyard'] } },
};

describe('createShipyardActions through the actions registry', () => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;
  const denied = new Set<string>();
  const events: any[] = [];
  const gateway = new FakeClusterGateway();

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
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
    const started = await startShipyard(knex, {
      gateway,
      config,
      policy: name => (denied.has(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW),
      features: [auditor.factory],
    });
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());
  afterEach(async () => {
    denied.clear();
    events.length = 0;
    await knex('shipyard_versions').del();
    await knex('shipyard_workspace_state').del();
  });

  const invoke = (name: string, input: object, authorization = alice) =>
    request(server).post(`${ACTIONS}/shipyard:${name}/invoke`).set('Authorization', authorization).send(input);
  const deploy = (workspace: string, spec: ServiceSpec, extra: object = {}) =>
    invoke('deploy', { entityRef: PAYMENTS, workspace, spec, ...extra });
  const versionCount = async () => Number((await knex('shipyard_versions').count({ c: '*' }))[0].c);

  it('lists the six actions: three read-only, three destructive, each with its schema', async () => {
    const res = await request(server).get(ACTIONS).set('Authorization', alice);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.actions.map((a: any) => [a.id, a]));
    const readOnly = { readOnly: true, destructive: false, idempotent: true };
    const destructive = { readOnly: false, destructive: true, idempotent: false };
    expect(Object.fromEntries(Object.entries(byId).map(([id, a]: [string, any]) => [id, a.attributes]))).toEqual({
      'shipyard:list-versions': readOnly,
      'shipyard:diff-versions': readOnly,
      'shipyard:plan-promotion': readOnly,
      'shipyard:deploy': destructive,
      'shipyard:rollback': destructive,
      'shipyard:promote': destructive,
    });
    expect(byId['shipyard:promote'].schema.input.required).toEqual(['entityRef', 'source', 'target', 'planHash']);
    expect(byId['shipyard:deploy'].schema.input.required).toEqual(['entityRef', 'workspace', 'spec']);
    expect(byId['shipyard:promote'].description).toMatch(/the plan-promotion action/);
    expect(byId['shipyard:plan-promotion'].schema.output.properties.planHash).toBeDefined();
  });

  it('deploys with origin assistant and the caller as author, then lists and diffs the versions', async () => {
    const v1 = await deploy('dev', baseSpec, { message: 'first', wait: true });
    expect(v1.status).toBe(200);
    expect(v1.body.output).toMatchObject({
      service: PAYMENTS,
      workspace: 'dev',
      number: 1,
      status: 'succeeded',
      origin: { type: 'assistant' },
      createdBy: 'user:default/alice',
      message: 'first',
      spec: baseSpec,
    });
    const v2 = await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' }, { expectedCurrentVersion: 1 });
    expect(v2.body.output).toMatchObject({ number: 2, origin: { type: 'assistant' } });

    const audit = events.filter(e => e.eventId === 'version-deploy');
    expect(audit.map(e => [e.meta.origin, e.meta.actor, Object.keys(e.outcome)[0]])).toEqual([
      ['assistant', 'user:default/alice', 'success'],
      ['assistant', 'user:default/alice', 'success'],
    ]);

    const list = await invoke('list-versions', { entityRef: PAYMENTS, workspace: 'dev', limit: 1 });
    expect(list.status).toBe(200);
    expect(list.body.output.totalCount).toBe(2);
    expect(list.body.output.items.map((v: any) => v.number)).toEqual([2]);
    const older = await invoke('list-versions', { entityRef: PAYMENTS, workspace: 'dev', cursor: list.body.output.nextCursor });
    expect(older.body.output.items.map((v: any) => v.number)).toEqual([1]);
    expect(older.body.output.nextCursor).toBeUndefined();

    const diff = await invoke('diff-versions', {
      entityRef: PAYMENTS,
      from: { workspace: 'dev', version: 1 },
      to: { workspace: 'dev', version: 2 },
    });
    expect(diff.status).toBe(200);
    expect(diff.body.output.changes).toEqual([
      { path: 'image', kind: 'changed', before: baseSpec.image, after: 'ghcr.io/acme/payments:1.1.0' },
    ]);
  });

  it('answers a stale expectedCurrentVersion with 409 and an invalid spec with 400 naming the field', async () => {
    await deploy('dev', baseSpec);
    const stale = await deploy('dev', baseSpec, { expectedCurrentVersion: 7 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.name).toBe('ConflictError');
    const invalid = await deploy('dev', { ...baseSpec, replicas: -1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/replicas/);
    const badInput = await invoke('deploy', { entityRef: PAYMENTS, workspace: 'Dev!', spec: baseSpec });
    expect(badInput.status).toBe(400);
    expect(badInput.body.error.message).toMatch(/Invalid input to action "shipyard:deploy"/);
    expect(await versionCount()).toBe(1);
  });

  it('refuses deploy, rollback and promote without their permissions, and reads without the read permission', async () => {
    await deploy('dev', baseSpec);
    denied.add('shipyard.version.deploy');
    const refused = await deploy('dev', baseSpec);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ name: 'NotAllowedError' });
    expect(refused.body.error.message).toMatch(/shipyard.version.deploy is not allowed on component:default\/payments/);

    denied.add('shipyard.version.rollback');
    expect((await invoke('rollback', { entityRef: PAYMENTS, workspace: 'dev', toVersion: 1 })).status).toBe(403);

    denied.add('shipyard.promotion.execute');
    const plan = await invoke('plan-promotion', { entityRef: PAYMENTS, source: 'dev', target: 'staging' });
    expect(plan.status).toBe(200);
    const promote = await invoke('promote', {
      entityRef: PAYMENTS,
      source: 'dev',
      target: 'staging',
      planHash: plan.body.output.planHash,
    });
    expect(promote.status).toBe(403);
    expect(await versionCount()).toBe(1);

    denied.add('shipyard.version.read');
    expect((await invoke('list-versions', { entityRef: PAYMENTS, workspace: 'dev' })).status).toBe(403);
  });

  it('keeps the protected workspace prod to callers with shipyard.workspace.protected.update', async () => {
    denied.add('shipyard.workspace.protected.update');
    expect((await deploy('dev', baseSpec)).status).toBe(200);
    const toProd = await deploy('prod', baseSpec);
    expect(toProd.status).toBe(403);
    expect(toProd.body.error.message).toMatch(
      /shipyard.workspace.protected.update is not allowed .*workspace 'prod' is protected/,
    );
    expect(await knex('shipyard_versions').where({ workspace: 'prod' }).count({ c: '*' })).toEqual([{ c: 0 }]);

    denied.clear();
    const allowed = await deploy('prod', baseSpec);
    expect(allowed.status).toBe(200);
    expect(allowed.body.output).toMatchObject({ workspace: 'prod', number: 1, origin: { type: 'assistant' } });
  });

  it('promotes only the plan the caller was shown: planHash required, a stale one refused, inputs for new keys', async () => {
    await deploy('dev', { ...baseSpec, env: { ...baseSpec.env, NEW_KEY: 'dev-value' } });
    await deploy('staging', baseSpec);
    const plan = await invoke('plan-promotion', { entityRef: PAYMENTS, source: 'dev', target: 'staging' });
    expect(plan.status).toBe(200);
    expect(plan.body.output).toMatchObject({
      source: { workspace: 'dev', version: 1 },
      target: { workspace: 'staging', version: 1 },
      planHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(plan.body.output.changes.find((c: any) => c.path === 'env.NEW_KEY').action).toBe('needs-input');
    expect(plan.body.output.blockers.map((b: any) => b.path)).toEqual(['env.NEW_KEY']);

    const promote = (input: object) => invoke('promote', { entityRef: PAYMENTS, source: 'dev', target: 'staging', ...input });
    const withoutHash = await promote({});
    expect(withoutHash.status).toBe(400);
    expect(withoutHash.body.error.message).toMatch(/Invalid input to action "shipyard:promote"/);
    const malformed = await promote({ planHash: 'latest' });
    expect(malformed.status).toBe(400);
    const stale = await promote({ planHash: 'f'.repeat(64), inputs: { env: { NEW_KEY: 'x' } } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/stale/);
    const unresolved = await promote({ planHash: plan.body.output.planHash });
    expect(unresolved.status).toBe(400);
    expect(unresolved.body.error.message).toMatch(/env\.NEW_KEY/);
    expect(await versionCount()).toBe(2);

    gateway.existingKeys.add('Secret/payments-staging/new-key');
    const done = await promote({
      planHash: plan.body.output.planHash,
      inputs: { env: { NEW_KEY: { secretKeyRef: { name: 'payments-staging', key: 'new-key' } } } },
      reason: 'release',
      wait: true,
    });
    expect(done.body.error).toBeUndefined();
    expect(done.status).toBe(200);
    expect(done.body.output).toMatchObject({
      workspace: 'staging',
      number: 2,
      status: 'succeeded',
      origin: { type: 'promotion', workspace: 'dev', version: 1 },
      createdBy: 'user:default/alice',
      message: 'release',
    });
    expect(done.body.output.spec.env.NEW_KEY).toEqual({ secretKeyRef: { name: 'payments-staging', key: 'new-key' } });
  });

  it('deploys and promotes into a frozen workspace only with a freeze override, its reason audited', async () => {
    const FROZEN = "frozen is frozen ('year end') until 2999-01-01T00:00:00.000Z";
    const refused = await invoke('deploy', { entityRef: LEDGER, workspace: 'frozen', spec: baseSpec });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain(`${FROZEN}; a deploy needs freezeOverride`);
    const blank = await invoke('deploy', { entityRef: LEDGER, workspace: 'frozen', spec: baseSpec, freezeOverride: { reason: '' } });
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toMatch(/freezeOverride/);
    denied.add('shipyard.freeze.override');
    const forbidden = await invoke('deploy', { entityRef: LEDGER, workspace: 'frozen', spec: baseSpec, freezeOverride: { reason: 'INC-42' } });
    expect(forbidden.status).toBe(403);
    expect(await versionCount()).toBe(0);
    denied.clear();

    const deployed = await invoke('deploy', { entityRef: LEDGER, workspace: 'frozen', spec: baseSpec, freezeOverride: { reason: 'hotfix for INC-42' } });
    expect(deployed.body.error).toBeUndefined();
    expect(deployed.body.output).toMatchObject({ workspace: 'frozen', number: 1, origin: { type: 'assistant' } });

    await invoke('deploy', { entityRef: LEDGER, workspace: 'dev', spec: { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' } });
    const plan = await invoke('plan-promotion', { entityRef: LEDGER, source: 'dev', target: 'frozen' });
    expect(plan.body.output.blockers).toEqual([{ code: 'freeze', message: FROZEN }]);
    const promote = (extra: object) =>
      invoke('promote', { entityRef: LEDGER, source: 'dev', target: 'frozen', planHash: plan.body.output.planHash, ...extra });
    expect((await promote({})).status).toBe(409);
    const promoted = await promote({ freezeOverride: { reason: 'INC-42 follow-up' } });
    expect(promoted.body.error).toBeUndefined();
    expect(promoted.body.output).toMatchObject({ workspace: 'frozen', number: 2, origin: { type: 'promotion', workspace: 'dev', version: 1 } });
    const overrides = events.filter(e => e.eventId === 'freeze-override' && e.outcome && 'success' in e.outcome);
    expect(overrides.map(e => [e.meta.operation, e.meta.reason])).toEqual([
      ['deploy', 'hotfix for INC-42'],
      ['promotion', 'INC-42 follow-up'],
    ]);
  });

  it('rolls back to an earlier version as a new version', async () => {
    await deploy('dev', baseSpec);
    await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' });
    const res = await invoke('rollback', { entityRef: PAYMENTS, workspace: 'dev', toVersion: 1, reason: '2.0.0 crashes' });
    expect(res.status).toBe(200);
    expect(res.body.output).toMatchObject({
      number: 3,
      origin: { type: 'rollback', version: 1 },
      message: '2.0.0 crashes',
      spec: baseSpec,
    });
    const missing = await invoke('rollback', { entityRef: PAYMENTS, workspace: 'dev', toVersion: 42 });
    expect(missing.status).toBe(404);
  });

  it('refuses anonymous callers and unknown services', async () => {
    const anonymous = await deploy('dev', baseSpec).set('Authorization', mockCredentials.none.header());
    expect(anonymous.status).toBe(401);
    const unknown = await invoke('list-versions', { entityRef: 'component:default/nope', workspace: 'dev' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/no catalog entity component:default\/nope/);
  });
});
