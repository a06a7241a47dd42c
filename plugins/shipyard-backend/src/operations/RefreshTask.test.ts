import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { baseSpec } from '../__testUtils__/startShipyard';
import { failed, FakeClusterGateway, succeeded } from '../__testUtils__/FakeClusterGateway';
import { LeaseManager } from './LeaseManager';
import { RefreshTask } from './RefreshTask';
import { VersionOperations } from './VersionOperations';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const SERVICE = 'component:default/payments';

describe.each(databases.eachSupportedId())('RefreshTask (%s)', databaseId => {
  async function setup() {
    const knex = await databases.init(databaseId);
    const store = await DatabaseVersionStore.create({ database: { getClient: async () => knex, migrations: { skip: false } } });
    const workspaces = WorkspaceRegistry.fromConfig(
      new ConfigReader({
        kubernetes: { clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'c1', url: 'https://x', authProvider: 'serviceAccount' }] }] },
        shipyard: {
          workspaces: [
            { name: 'dev', environment: 'dev', cluster: 'c1', namespace: 'dev', autoRollback: true },
            { name: 'prod', environment: 'prod', cluster: 'c1', namespace: 'prod' },
          ],
        },
      }),
    );
    const gateway = new FakeClusterGateway();
    const logger = mockServices.logger.mock();
    const versions = new VersionOperations({
      store,
      gateway,
      logger,
      leases: new LeaseManager(store, logger, { ttlMs: 5000, waitMs: 1000 }),
      rolloutPollMs: 5,
    });
    const task = new RefreshTask({ store, gateway, workspaces, versions, logger, resolveName: async () => 'payments' });
    const record = (workspace: string, status: 'applying' | 'progressing' | 'succeeded', image = baseSpec.image) =>
      store.createVersion({ service: SERVICE, workspace, spec: { ...baseSpec, image }, origin: { type: 'deploy' }, status, createdBy: 'user:default/jane' });
    return { store, gateway, task, versions, record };
  }

  it('finishes the rollouts a dead replica left progressing, and marks interrupted applies failed', async () => {
    const { store, task, gateway, record } = await setup();
    await record('prod', 'progressing');
    await store.updateVersionStatus(SERVICE, 'prod', 1, { status: 'progressing', makeCurrent: true });
    await record('prod', 'applying');
    gateway.rollouts = [succeeded(3)];

    const result = await task.run();
    expect(result.finished).toBe(2);
    expect(await store.getVersion(SERVICE, 'prod', 1)).toMatchObject({ status: 'succeeded', rollout: { readyReplicas: 3 } });
    expect(await store.getVersion(SERVICE, 'prod', 2)).toMatchObject({
      status: 'failed',
      statusMessage: expect.stringMatching(/^Interrupted/),
    });
    expect((await store.getCurrentVersion(SERVICE, 'prod'))?.number).toBe(1);
  });

  it('leaves versions alone while their operation still holds the lease', async () => {
    const { store, task, record } = await setup();
    await record('prod', 'applying');
    await store.acquireLease(SERVICE, 'prod', { holder: 'alive', operation: 'deploy', ttlMs: 60_000 });
    expect((await task.run()).finished).toBe(0);
    expect((await store.getVersion(SERVICE, 'prod', 1))?.status).toBe('applying');
  });

  it('rolls back automatically when a rollout it finishes failed', async () => {
    const { store, task, gateway, record, versions } = await setup();
    await record('dev', 'succeeded', 'ghcr.io/acme/payments:1.0.0');
    await store.updateVersionStatus(SERVICE, 'dev', 1, { status: 'succeeded', makeCurrent: true });
    await record('dev', 'progressing', 'ghcr.io/acme/payments:2.0.0');
    gateway.rollouts = [failed(), succeeded()];
    await task.run();
    await versions.drain();
    expect(await store.getVersion(SERVICE, 'dev', 2)).toMatchObject({ status: 'failed' });
    expect(await store.getVersion(SERVICE, 'dev', 3)).toMatchObject({
      origin: { type: 'rollback', version: 1 },
      spec: { image: 'ghcr.io/acme/payments:1.0.0' },
      status: 'succeeded',
    });
  });

  it('records drift of every deployed workspace', async () => {
    const { store, task, gateway, record } = await setup();
    await record('prod', 'succeeded');
    await store.updateVersionStatus(SERVICE, 'prod', 1, { status: 'succeeded', makeCurrent: true });
    gateway.getLive = async () => ({
      objects: [],
      drift: { checkedAt: new Date().toISOString(), drifted: true, fields: [{ path: 'replicas', expected: 1, live: 4 }] },
    });
    expect(await task.run()).toMatchObject({ checked: 1, drifted: 1 });
    expect((await store.getWorkspaceState(SERVICE, 'prod'))?.drift).toMatchObject({ drifted: true, fields: [{ path: 'replicas' }] });
  });
});
