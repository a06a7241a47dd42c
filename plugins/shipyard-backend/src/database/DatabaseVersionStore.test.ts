import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import knexFactory, { Knex } from 'knex';
import { DatabaseVersionStore } from './DatabaseVersionStore';
import { NewVersion } from './VersionStore';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

const SERVICE = 'component:default/payments';
const spec = (tag: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
  image: `ghcr.io/acme/payments:${tag}`,
  replicas: 2,
  env: { LOG_LEVEL: 'info' },
  ...extra,
});
const deploy = (tag: string, overrides: Partial<NewVersion> = {}): NewVersion => ({
  service: SERVICE,
  workspace: 'dev',
  spec: spec(tag),
  origin: { type: 'deploy' },
  status: 'recorded',
  createdBy: 'user:default/guest',
  ...overrides,
});

async function createStore(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  const store = await DatabaseVersionStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
  return { knex, store };
}

describe.each(databases.eachSupportedId())('DatabaseVersionStore (%s)', databaseId => {
  let knex: Knex;
  let store: DatabaseVersionStore;

  beforeAll(async () => {
    ({ knex, store } = await createStore(databaseId));
  });

  afterEach(async () => {
    await knex('shipyard_versions').del();
    await knex('shipyard_workspace_state').del();
    await knex('shipyard_specs').del();
    await knex('shipyard_object_claims').del();
    await knex('shipyard_version_checklist_items').del();
  });

  it('numbers versions per service and workspace, starting at 1', async () => {
    const a = await store.createVersion(deploy('1'), { makeCurrent: true });
    const b = await store.createVersion(deploy('2'), { makeCurrent: true });
    const c = await store.createVersion(deploy('1', { workspace: 'prod' }), { makeCurrent: true });
    const d = await store.createVersion(deploy('1', { service: 'component:default/ledger' }));
    expect([a.number, b.number, c.number, d.number]).toEqual([1, 2, 1, 1]);
    expect(b).toMatchObject({
      service: SERVICE,
      workspace: 'dev',
      spec: spec('2'),
      origin: { type: 'deploy' },
      status: 'recorded',
      createdBy: 'user:default/guest',
    });
    expect(new Date(b.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect((await store.getCurrentVersion(SERVICE, 'dev'))?.number).toBe(2);
  });

  it('stores specs whole and shares identical ones by content hash', async () => {
    const first = await store.createVersion(deploy('1'));
    await store.createVersion(deploy('2'));
    const again = await store.createVersion(deploy('1'));
    expect(again.specHash).toBe(first.specHash);
    expect(again.spec).toEqual(first.spec);
    const [{ count }] = await knex('shipyard_specs').count({ count: '*' });
    expect(Number(count)).toBe(2);
  });

  it('keeps the origin of rollbacks and promotions', async () => {
    await store.createVersion(deploy('1'));
    const rollback = await store.createVersion(
      deploy('1', { origin: { type: 'rollback', version: 1 }, message: 'bad release' }),
    );
    const promotion = await store.createVersion(
      deploy('1', { workspace: 'prod', origin: { type: 'promotion', workspace: 'staging', version: 7 } }),
    );
    expect(rollback.origin).toEqual({ type: 'rollback', version: 1 });
    expect(rollback.message).toBe('bad release');
    expect(promotion.origin).toEqual({ type: 'promotion', workspace: 'staging', version: 7 });
  });

  it('refuses a stale expectedCurrentVersion and stores nothing', async () => {
    await store.createVersion(deploy('1'), { makeCurrent: true, expectedCurrentVersion: 0 });
    await store.createVersion(deploy('2'), { makeCurrent: true, expectedCurrentVersion: 1 });
    await expect(
      store.createVersion(deploy('3'), { makeCurrent: true, expectedCurrentVersion: 1 }),
    ).rejects.toThrow(/expectedCurrentVersion is 1, but the current version .* is v2/);
    const page = await store.listVersions(SERVICE, 'dev', { limit: 10 });
    expect(page.items.map(v => v.number)).toEqual([2, 1]);
    // The failed attempt did not consume a number.
    expect((await store.createVersion(deploy('3'))).number).toBe(3);
  });

  it('pages history newest first with a cursor', async () => {
    for (let i = 1; i <= 7; i++) await store.createVersion(deploy(String(i)));
    const first = await store.listVersions(SERVICE, 'dev', { limit: 3 });
    expect(first.items.map(v => v.number)).toEqual([7, 6, 5]);
    expect(first.totalCount).toBe(7);
    const second = await store.listVersions(SERVICE, 'dev', { limit: 3, cursor: first.nextCursor });
    expect(second.items.map(v => v.number)).toEqual([4, 3, 2]);
    const last = await store.listVersions(SERVICE, 'dev', { limit: 3, cursor: second.nextCursor });
    expect(last.items.map(v => v.number)).toEqual([1]);
    expect(last.nextCursor).toBeUndefined();
    await expect(store.listVersions(SERVICE, 'dev', { limit: 3, cursor: 'nonsense' })).rejects.toThrow(
      /cursor/,
    );
  });

  it('moves the current version only forward when a later apply finishes', async () => {
    await store.createVersion(deploy('1', { status: 'applying' }));
    await store.createVersion(deploy('2', { status: 'applying' }));
    await store.updateVersionStatus(SERVICE, 'dev', 2, { status: 'progressing', makeCurrent: true, appliedAt: new Date() });
    await store.updateVersionStatus(SERVICE, 'dev', 1, { status: 'progressing', makeCurrent: true, appliedAt: new Date() });
    expect((await store.getCurrentVersion(SERVICE, 'dev'))?.number).toBe(2);
    await store.updateVersionStatus(SERVICE, 'dev', 2, {
      status: 'succeeded',
      rollout: { desiredReplicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      finishedAt: new Date(),
    });
    const v2 = await store.getVersion(SERVICE, 'dev', 2);
    expect(v2).toMatchObject({ status: 'succeeded', rollout: { readyReplicas: 2 } });
    expect(v2?.appliedAt).toBeDefined();
    expect(v2?.finishedAt).toBeDefined();
    expect((await store.listActiveVersions()).map(v => v.number)).toEqual([1]);
    expect((await store.getLastSucceededVersion(SERVICE, 'dev', 3))?.number).toBe(2);
    expect(await store.getLastSucceededVersion(SERVICE, 'dev', 2)).toBeUndefined();
  });

  it('applies retention but never deletes the current version', async () => {
    await store.createVersion(deploy('1'), { makeCurrent: true });
    for (let i = 2; i <= 6; i++) await store.createVersion(deploy(String(i)), { retention: 3 });
    const page = await store.listVersions(SERVICE, 'dev', { limit: 10 });
    expect(page.items.map(v => v.number)).toEqual([6, 5, 4, 1]);
    expect((await store.createVersion(deploy('7'), { retention: 3 })).number).toBe(7);
  });

  it('stores a promotion checklist with its version, or nothing when the version is refused, and prunes it with the version', async () => {
    const promotion = deploy('1', { origin: { type: 'promotion', workspace: 'staging', version: 3 }, checklist: ['check the host', 'check the account'] });
    const created = await store.createVersion(promotion, { makeCurrent: true });
    expect(created.checklist).toEqual([
      { id: 1, text: 'check the host' },
      { id: 2, text: 'check the account' },
    ]);
    await expect(store.createVersion({ ...promotion, checklist: ['stale'] }, { expectedCurrentVersion: 0 })).rejects.toThrow(/expectedCurrentVersion/);
    expect(Number((await knex('shipyard_version_checklist_items').count({ c: '*' }))[0].c)).toBe(2);

    const at = new Date('2026-12-01T18:00:00Z');
    expect(await store.setChecklistItemDone(SERVICE, 'dev', 1, 2, { by: 'user:default/ana', at })).toEqual({
      id: 2,
      text: 'check the account',
      done: { by: 'user:default/ana', at: at.toISOString() },
    });
    expect(await store.setChecklistItemDone(SERVICE, 'dev', 1, 3, { by: 'user:default/ana', at })).toBeUndefined();
    expect(await store.setChecklistItemDone(SERVICE, 'prod', 1, 2, { by: 'user:default/ana', at })).toBeUndefined();
    expect((await store.listVersions(SERVICE, 'dev', { limit: 5 })).items[0].checklist?.map(i => !!i.done)).toEqual([false, true]);
    expect(await store.setChecklistItemDone(SERVICE, 'dev', 1, 2, undefined)).toEqual({ id: 2, text: 'check the account' });

    // v1 stops being current and falls out of the retention window with its checklist.
    await store.createVersion(deploy('2'), { makeCurrent: true });
    await store.createVersion(deploy('3'), { makeCurrent: true, retention: 1 });
    expect((await store.listVersions(SERVICE, 'dev', { limit: 5 })).items.map(v => v.number)).toEqual([3]);
    expect(Number((await knex('shipyard_version_checklist_items').count({ c: '*' }))[0].c)).toBe(0);
  });

  it('reads versions of several workspaces in one call, each with its own checklist, leaving out those that do not exist', async () => {
    await store.createVersion(deploy('1'), { makeCurrent: true });
    await store.createVersion(deploy('2', { checklist: ['dev v2 item'] }), { makeCurrent: true });
    await store.createVersion(deploy('1', { workspace: 'prod', checklist: ['prod v1 item'] }), { makeCurrent: true });
    await store.createVersion(deploy('3', { workspace: 'prod' }), { makeCurrent: true });
    await store.createVersion(deploy('1', { service: 'component:default/ledger', checklist: ['other service'] }));

    const read = await store.getVersions(SERVICE, [
      { workspace: 'dev', number: 2 },
      { workspace: 'prod', number: 1 },
      { workspace: 'prod', number: 2 },
      { workspace: 'dev', number: 9 },
    ]);
    const byKey = new Map(read.map(v => [`${v.workspace} v${v.number}`, v]));
    expect([...byKey.keys()].sort()).toEqual(['dev v2', 'prod v1', 'prod v2']);
    expect(byKey.get('dev v2')).toMatchObject({ spec: { image: expect.stringContaining(':2') }, checklist: [{ text: 'dev v2 item' }] });
    expect(byKey.get('prod v1')?.checklist).toEqual([expect.objectContaining({ text: 'prod v1 item' })]);
    // dev v1 has no checklist although prod v1 has one: a checklist belongs to its workspace's version.
    expect(byKey.get('prod v2')?.checklist).toBeUndefined();
    expect((await store.getVersions(SERVICE, [{ workspace: 'dev', number: 1 }]))[0].checklist).toBeUndefined();
    expect(await store.getVersions(SERVICE, [])).toEqual([]);
  });

  it('backfills the version count when the migration that keeps it runs on existing history', async () => {
    for (let i = 1; i <= 4; i++) await store.createVersion(deploy(String(i)));
    await store.createVersion(deploy('1', { workspace: 'prod' }));
    const directory = resolvePackagePath('@shipyard/backstage-plugin-backend', 'migrations');
    await knex.migrate.down({ directory });
    await knex.migrate.up({ directory });
    expect((await store.listVersions(SERVICE, 'dev', { limit: 1 })).totalCount).toBe(4);
    expect((await store.getWorkspaceState(SERVICE, 'prod'))?.versionCount).toBe(1);
  });

  it('gives 64 concurrent deploys the numbers 1..64, unique and gap-free', async () => {
    const created = await Promise.all(
      Array.from({ length: 64 }, (_, i) => store.createVersion(deploy(String(i)), { makeCurrent: true })),
    );
    const numbers = created.map(v => v.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    const page = await store.listVersions(SERVICE, 'dev', { limit: 100 });
    expect(page.totalCount).toBe(64);
    expect(new Set(page.items.map(v => v.spec.image)).size).toBe(64);
  });

  it('gives only one of two contenders the lease until it is released or expires', async () => {
    const a = await store.acquireLease(SERVICE, 'dev', { holder: 'a', operation: 'deploy', ttlMs: 60_000 });
    const b = await store.acquireLease(SERVICE, 'dev', { holder: 'b', operation: 'rollback', ttlMs: 60_000 });
    expect(a.acquired).toBe(true);
    expect(b).toMatchObject({ acquired: false, lease: { holder: 'a', operation: 'deploy' } });
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.lease?.holder).toBe('a');
    const fenceA = { holder: 'a', generation: a.lease!.generation! };
    expect(await store.renewLease(SERVICE, 'dev', { holder: 'b', generation: fenceA.generation }, 60_000)).toBe(false);
    expect(await store.releaseLease(SERVICE, 'dev', { holder: 'b', generation: fenceA.generation })).toBeUndefined();
    expect((await store.releaseLease(SERVICE, 'dev', fenceA))?.holder).toBe('a');
    expect((await store.acquireLease(SERVICE, 'dev', { holder: 'b', operation: 'x', ttlMs: 1 })).acquired).toBe(true);
    await new Promise(r => setTimeout(r, 20));
    // b's lease expired without being released: c takes it over.
    expect((await store.acquireLease(SERVICE, 'dev', { holder: 'c', operation: 'x', ttlMs: 60_000 })).acquired).toBe(true);
  });

  it('fences writes: a holder whose lease expired can neither store a version nor move the current one', async () => {
    const first = await store.acquireLease(SERVICE, 'dev', { holder: 'slow', operation: 'deploy', ttlMs: 200 });
    const slow = { holder: 'slow', generation: first.lease!.generation! };
    const v1 = await store.createVersion(deploy('1', { status: 'applying' }), { fence: slow });
    await new Promise(r => setTimeout(r, 400));
    // The database's clock says the lease expired; another operation takes it.
    const next = await store.acquireLease(SERVICE, 'dev', { holder: 'fast', operation: 'rollback', ttlMs: 60_000 });
    expect(next.acquired).toBe(true);
    expect(next.lease!.generation).toBe(slow.generation + 1);
    await expect(
      store.updateVersionStatus(SERVICE, 'dev', v1.number, { status: 'progressing', makeCurrent: true, fence: slow }),
    ).rejects.toThrow(/no longer holds the lease/);
    await expect(store.createVersion(deploy('2'), { fence: slow })).rejects.toThrow(/no longer holds the lease/);
    expect(await store.getCurrentVersion(SERVICE, 'dev')).toBeUndefined();
    expect((await store.getVersion(SERVICE, 'dev', v1.number))?.status).toBe('applying');
    expect((await store.listVersions(SERVICE, 'dev', { limit: 10 })).totalCount).toBe(1);
    expect(await store.isLeaseHeld(SERVICE, 'dev', slow)).toBe(false);
    expect(await store.renewLease(SERVICE, 'dev', slow, 60_000)).toBe(false);
    expect(await store.releaseLease(SERVICE, 'dev', slow)).toBeUndefined();
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.lease?.holder).toBe('fast');
  });

  it('decides lease expiry by the database clock, not this process clock', async () => {
    await store.acquireLease(SERVICE, 'dev', { holder: 'a', operation: 'deploy', ttlMs: 60_000 });
    const realNow = Date.now;
    // A replica whose clock runs two minutes fast must not think the lease expired.
    Date.now = () => realNow() + 120_000;
    try {
      const b = await store.acquireLease(SERVICE, 'dev', { holder: 'b', operation: 'deploy', ttlMs: 60_000 });
      expect(b.acquired).toBe(false);
      expect((await store.getWorkspaceState(SERVICE, 'dev'))?.lease?.holder).toBe('a');
    } finally {
      Date.now = realNow;
    }
  });

  it('lets a preempting acquisition take only a lease whose holder follows a rollout', async () => {
    const a = await store.acquireLease(SERVICE, 'dev', { holder: 'a', operation: 'deploy', ttlMs: 60_000 });
    const fenceA = { holder: 'a', generation: a.lease!.generation! };
    const preempt = { operation: 'rollback', ttlMs: 60_000, preemptFollowing: true };
    expect((await store.acquireLease(SERVICE, 'dev', { holder: 'r1', ...preempt })).acquired).toBe(false);
    expect(await store.markLeaseFollowing(SERVICE, 'dev', fenceA)).toBe(true);
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.lease?.phase).toBe('following');
    expect((await store.acquireLease(SERVICE, 'dev', { holder: 'd', operation: 'deploy', ttlMs: 60_000 })).acquired).toBe(false);
    const r = await store.acquireLease(SERVICE, 'dev', { holder: 'r2', ...preempt });
    expect(r.acquired).toBe(true);
    expect(r.lease!.phase).toBeUndefined();
    expect(await store.isLeaseHeld(SERVICE, 'dev', fenceA)).toBe(false);
  });

  it('marks older active versions superseded when a newer one becomes current', async () => {
    const v1 = await store.createVersion(deploy('1', { status: 'progressing' }));
    const v2 = await store.createVersion(deploy('2', { status: 'applying' }));
    await store.updateVersionStatus(SERVICE, 'dev', v2.number, { status: 'progressing', makeCurrent: true });
    expect(await store.getVersion(SERVICE, 'dev', v1.number)).toMatchObject({
      status: 'failed',
      statusMessage: 'Superseded by v2 before its rollout finished',
    });
    expect((await store.getVersion(SERVICE, 'dev', v2.number))?.status).toBe('progressing');
  });

  it('claims object names for the first entity; another entity is refused and stores nothing', async () => {
    const claim = { cluster: 'local', namespace: 'shipyard-dev', name: 'payments' };
    await store.createVersion(deploy('1'), { claim });
    await store.createVersion(deploy('2'), { claim });
    await expect(
      store.createVersion(deploy('1', { service: 'component:team-b/payments' }), { claim }),
    ).rejects.toThrow(/belong to component:default\/payments/);
    expect((await store.listVersions('component:team-b/payments', 'dev', { limit: 5 })).totalCount).toBe(0);
    expect(await store.getClaimOwner(claim)).toBe(SERVICE);
    // The same name in another namespace or cluster is a different object.
    await store.createVersion(deploy('1', { service: 'component:team-b/payments' }), { claim: { ...claim, namespace: 'other' } });
  });

  it('stores drift only for the current version it was computed against', async () => {
    await store.createVersion(deploy('1'), { makeCurrent: true });
    await store.createVersion(deploy('2'), { makeCurrent: true });
    const drift = { checkedAt: new Date().toISOString(), drifted: true, fields: [{ path: 'image' }] } as any;
    await store.setDrift(SERVICE, 'dev', 1, drift);
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.drift).toBeUndefined();
    await store.setDrift(SERVICE, 'dev', 2, drift);
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.drift?.drifted).toBe(true);
  });

  it('hands a contended lease to exactly one of many concurrent contenders', async () => {
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        store.acquireLease(SERVICE, 'staging', { holder: `h${i}`, operation: 'deploy', ttlMs: 60_000 }),
      ),
    );
    expect(results.filter(r => r.acquired)).toHaveLength(1);
  });

  if (databaseId.startsWith('POSTGRES')) {
    it('keeps numbers unique and gap-free for two backend replicas sharing one database', async () => {
      // A second knex with its own pool is what a second backend replica is to PostgreSQL.
      const other = knexFactory({ client: 'pg', connection: (knex.client as any).config.connection, pool: { min: 0, max: 5 } });
      try {
        const replica = await DatabaseVersionStore.create({
          database: { getClient: async () => other, migrations: { skip: true } },
        });
        const created = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            (i % 2 ? replica : store).createVersion(deploy(String(i)), { makeCurrent: true }),
          ),
        );
        expect(created.map(v => v.number).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 60 }, (_, i) => i + 1),
        );
      } finally {
        await other.destroy();
      }
    });
  }
});
