import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { LeaseManager } from '../operations/LeaseManager';
import { PromotionOperations } from '../operations/PromotionOperations';
import { VersionOperations } from '../operations/VersionOperations';
import { DatabasePromotionPolicyStore } from '../promotion/DatabasePromotionPolicyStore';
import { PromotionPolicy } from '../promotion/PromotionPolicy';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, entities, workspacesConfig } from '../__testUtils__/startShipyard';
import { ShipyardService } from './ShipyardService';

/*
 * The service layer without HTTP, as a registry action or any other entry
 * point calls it: credentials in, a result or a Backstage error out, an
 * audit event for every mutation.
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const PAYMENTS = 'component:default/payments';
const jane = { credentials: mockCredentials.user('user:default/jane') };
const ci = { credentials: mockCredentials.service('shipyard-ci') };

describe.each(databases.eachSupportedId())('ShipyardService (%s)', databaseId => {
  async function setup(policy: (permission: string) => AuthorizeResult.ALLOW | AuthorizeResult.DENY = () => AuthorizeResult.ALLOW) {
    const knex = await databases.init(databaseId);
    const store = await DatabaseVersionStore.create({ database: { getClient: async () => knex, migrations: { skip: false } } });
    const config = JSON.parse(JSON.stringify(workspacesConfig));
    for (const ws of config.shipyard.workspaces) ws.cluster = 'test';
    config.kubernetes = { clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'test', url: 'https://x', authProvider: 'serviceAccount' }] }] };
    const workspaces = WorkspaceRegistry.fromConfig(new ConfigReader(config));
    const logger = mockServices.logger.mock();
    const gateway = new FakeClusterGateway();
    const versions = new VersionOperations({
      store,
      gateway,
      logger,
      leases: new LeaseManager(store, logger, { ttlMs: 5000, waitMs: 500 }),
      rolloutPollMs: 5,
    });
    const auditor = mockServices.auditor.mock();
    const events: Array<{ eventId: string; meta: any; outcome?: string }> = [];
    auditor.createEvent.mockImplementation(async (options: any) => {
      const event: { eventId: string; meta: any; outcome?: string } = { eventId: options.eventId, meta: options.meta };
      events.push(event);
      return {
        success: async () => {
          event.outcome = 'success';
        },
        fail: async () => {
          event.outcome = 'fail';
        },
      };
    });
    const policyStore = new DatabasePromotionPolicyStore(knex);
    const promotionPolicy = new PromotionPolicy(policyStore);
    const service = new ShipyardService({
      permissions: mockServices.permissions.mock({
        authorize: async requests => requests.map(r => ({ result: policy(r.permission.name) })) as any,
      }),
      auditor,
      catalog: catalogServiceMock({ entities: entities as any }),
      store,
      workspaces,
      versions,
      promotions: new PromotionOperations({ store, versions, gateway, policy: promotionPolicy }),
      policy: promotionPolicy,
      policyStore,
      gateway,
    });
    return { service, events, store, versions, gateway };
  }

  it('deploys with the caller as author and the entry point as origin, and audits who did it', async () => {
    const { service, events, versions } = await setup();
    const version = await service.deploy(PAYMENTS, 'dev', { spec: baseSpec, origin: 'assistant', message: 'asked in chat', wait: true }, jane);
    expect(version).toMatchObject({ number: 1, status: 'succeeded', origin: { type: 'assistant' }, createdBy: 'user:default/jane' });
    const byService = await service.deploy(PAYMENTS, 'dev', { spec: baseSpec, origin: 'cli', wait: true }, ci);
    expect(byService).toMatchObject({ number: 2, origin: { type: 'cli' }, createdBy: 'service:shipyard-ci' });
    expect(events).toEqual([
      expect.objectContaining({ eventId: 'version-deploy', outcome: 'success', meta: expect.objectContaining({ actor: 'user:default/jane', origin: 'assistant' }) }),
      expect.objectContaining({ eventId: 'version-deploy', outcome: 'success', meta: expect.objectContaining({ actor: 'service:shipyard-ci', origin: 'cli' }) }),
    ]);
    expect(JSON.stringify(events)).not.toContain(baseSpec.image);
    await versions.drain();
  });

  it('refuses a caller without the permission, stores nothing, and audits nothing it did not run', async () => {
    const { service, events, store } = await setup(name => (name === 'shipyard.version.deploy' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW));
    await expect(service.deploy(PAYMENTS, 'dev', { spec: baseSpec }, jane)).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: 'shipyard.version.deploy is not allowed on component:default/payments',
    });
    expect((await store.listVersions(PAYMENTS, 'dev', { limit: 1 })).totalCount).toBe(0);
    expect(events).toEqual([]);
  });

  it('needs the protected-workspace permission for every mutation into a protected workspace', async () => {
    let denyProtected = false;
    const { service, versions } = await setup(name =>
      denyProtected && name === 'shipyard.workspace.protected.update' ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
    );
    await service.deploy(PAYMENTS, 'staging', { spec: baseSpec, wait: true }, jane);
    await service.deploy(PAYMENTS, 'prod', { spec: baseSpec, wait: true }, jane);
    const plan = await service.planPromotion(PAYMENTS, { source: 'staging', target: 'prod' }, jane);
    denyProtected = true;
    const attempts = [
      service.deploy(PAYMENTS, 'prod', { spec: baseSpec }, jane),
      service.rollback(PAYMENTS, 'prod', 1, {}, jane),
      service.promote(PAYMENTS, { source: 'staging', target: 'prod', planHash: plan.planHash }, jane),
      service.releaseLease(PAYMENTS, 'prod', jane),
    ];
    for (const attempt of attempts) {
      await expect(attempt).rejects.toThrow(/workspace 'prod' is protected/);
    }
    // Reading stays allowed.
    expect((await service.listVersions(PAYMENTS, 'prod', { limit: 5 }, jane)).totalCount).toBe(1);
    await versions.drain();
  });

  it('plans and promotes, recording only the names of the inputs in the audit', async () => {
    const { service, events, versions } = await setup();
    await service.deploy(PAYMENTS, 'staging', { spec: { ...baseSpec, env: { ...baseSpec.env, API_URL: 'https://api.staging' } }, wait: true }, jane);
    await service.deploy(PAYMENTS, 'prod', { spec: baseSpec, wait: true }, jane);
    const plan = await service.planPromotion(PAYMENTS, { source: 'staging', target: 'prod' }, jane);
    expect(plan.blockers.map(b => b.path)).toEqual(['env.API_URL']);
    const promoted = await service.promote(
      PAYMENTS,
      { source: 'staging', target: 'prod', planHash: plan.planHash, inputs: { env: { API_URL: 'https://api.prod.internal' } }, wait: true },
      jane,
    );
    expect(promoted).toMatchObject({ workspace: 'prod', number: 2, origin: { type: 'promotion', workspace: 'staging', version: 1 } });
    expect(promoted.spec.env?.API_URL).toBe('https://api.prod.internal');
    const audit = events.find(e => e.eventId === 'promotion-execute')!;
    expect(audit.meta).toMatchObject({ inputKeys: ['API_URL'], target: 'prod' });
    expect(JSON.stringify(audit)).not.toContain('api.prod.internal');
    await versions.drain();
  });

  it('takes a field the rules leave in the target from the source when asked, with the same list in plan and promotion', async () => {
    const { service, events, versions } = await setup();
    const resources = { limits: { memory: '512Mi' } };
    await service.deploy(PAYMENTS, 'dev', { spec: { ...baseSpec, resources }, wait: true }, jane);
    await service.deploy(PAYMENTS, 'staging', { spec: baseSpec, wait: true }, jane);
    const plain = await service.planPromotion(PAYMENTS, { source: 'dev', target: 'staging' }, jane);
    expect(plain.changes.find(c => c.path === 'resources')).toMatchObject({
      action: 'retain',
      source: resources,
      reason: 'set only in dev, not taken: staging sizes itself',
    });
    const taking = await service.planPromotion(PAYMENTS, { source: 'dev', target: 'staging', take: ['resources'] }, jane);
    expect(taking.changes.find(c => c.path === 'resources')).toMatchObject({ action: 'overwrite', to: resources });
    // The plan without the field is not the plan with it.
    await expect(
      service.promote(PAYMENTS, { source: 'dev', target: 'staging', planHash: taking.planHash, wait: true }, jane),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    const promoted = await service.promote(
      PAYMENTS,
      { source: 'dev', target: 'staging', planHash: taking.planHash, take: ['resources'], wait: true },
      jane,
    );
    expect(promoted.spec.resources).toEqual(resources);
    expect(events.filter(e => e.eventId === 'promotion-execute').map(e => [e.meta.take, e.outcome])).toEqual([
      [[], 'fail'],
      [['resources'], 'success'],
    ]);
    await versions.drain();
  });

  it('refuses a deploy whose Secret or ConfigMap keys are missing in the namespace, naming each, unless told to deploy anyway', async () => {
    const { service, store, gateway, events, versions } = await setup();
    const spec = {
      ...baseSpec,
      env: {
        DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
        FLAGS: { configMapKeyRef: { name: 'flags', key: 'payments' } },
        OPTIONAL: { secretKeyRef: { name: 'maybe', key: 'x', optional: true } },
      },
    };
    gateway.existingKeys.add('ConfigMap/flags/payments');
    await expect(service.deploy(PAYMENTS, 'dev', { spec }, jane)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(
        /^missing references: env\.DB_PASSWORD: Secret payments-db key 'password' in namespace shipyard-dev: does not exist; .*allowMissingReferences: true$/,
      ),
    });
    expect((await store.listVersions(PAYMENTS, 'dev', { limit: 1 })).totalCount).toBe(0);
    expect(events).toEqual([]);
    const anyway = await service.deploy(PAYMENTS, 'dev', { spec, allowMissingReferences: true, wait: true }, jane);
    expect(anyway).toMatchObject({ number: 1, status: 'succeeded' });
    expect(events).toEqual([
      expect.objectContaining({ eventId: 'version-deploy', meta: expect.objectContaining({ allowMissingReferences: true }) }),
    ]);
    gateway.existingKeys.add('Secret/payments-db/password');
    expect(await service.deploy(PAYMENTS, 'dev', { spec, wait: true }, jane)).toMatchObject({ number: 2 });
    await versions.drain();
  });

  it('answers what a deploy would meet before it is sent, storing and auditing nothing', async () => {
    const { service, store, events } = await setup();
    const spec = {
      ...baseSpec,
      env: { DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } }, API_TOKEN: 'literal' },
    };
    const preflight = await service.preflightDeploy(PAYMENTS, 'dev', { spec }, jane);
    expect(preflight.blockers).toEqual([
      expect.objectContaining({ code: 'missing-reference', path: 'env.DB_PASSWORD', message: expect.stringContaining('payments-db') }),
    ]);
    expect(preflight.warnings.map(w => w.path)).toEqual(['env.API_TOKEN']);
    await expect(service.preflightDeploy(PAYMENTS, 'dev', { spec: { ...baseSpec, replicas: -1 } }, jane)).rejects.toMatchObject({
      name: 'InputError',
    });
    expect((await store.listVersions(PAYMENTS, 'dev', { limit: 1 })).totalCount).toBe(0);
    expect(events).toEqual([]);
  });

  it('refuses a malformed Secret name in promotion inputs before the cluster is asked', async () => {
    const { service, gateway, versions } = await setup();
    await service.deploy(PAYMENTS, 'staging', { spec: { ...baseSpec, env: { API_KEY: { secretKeyRef: { name: 'api', key: 'key' } } } }, allowMissingReferences: true, wait: true }, jane);
    const plan = await service.planPromotion(PAYMENTS, { source: 'staging', target: 'prod' }, jane);
    const asked = jest.spyOn(gateway, 'findMissingReferences');
    await expect(
      service.promote(PAYMENTS, { source: 'staging', target: 'prod', planHash: plan.planHash, inputs: { env: { API_KEY: { secretKeyRef: { name: '.', key: 'key' } } } } }, jane),
    ).rejects.toThrow(/inputs\.env\.API_KEY\.secretKeyRef\.name/);
    expect(asked).not.toHaveBeenCalled();
    await versions.drain();
  });

  it('names the field when a workspace is not one of the service’s or a version does not exist', async () => {
    const { service } = await setup();
    await expect(service.deploy('component:default/dev-only', 'prod', { spec: baseSpec }, jane)).rejects.toThrow(
      "workspace: 'prod' is not one of component:default/dev-only's workspaces (shipyard/workspaces: dev)",
    );
    await expect(service.rollback(PAYMENTS, 'dev', 7, {}, jane)).rejects.toThrow('version: component:default/payments has no v7 in dev');
    await expect(service.diff(PAYMENTS, { workspace: 'dev', version: 1 }, { workspace: 'qa', version: 1 }, jane)).rejects.toThrow(
      /workspace: 'qa' is not configured/,
    );
    await expect(service.getVersion('component:default/nope', 'dev', 1, jane)).rejects.toThrow('service: no catalog entity component:default/nope');
  });
});
