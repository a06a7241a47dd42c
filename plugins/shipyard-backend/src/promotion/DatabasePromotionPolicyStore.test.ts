import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { DatabasePromotionPolicyStore } from './DatabasePromotionPolicyStore';

/*
 * The promotion policy's tables on every database: the claim that makes an
 * auto-promotion run once across replicas, its take-over after a holder
 * died, rejections by spec hash and holds.
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const SERVICE = 'component:default/payments';
const key = { service: SERVICE, sourceWorkspace: 'dev', sourceVersion: 3, targetWorkspace: 'staging' };

describe.each(databases.eachSupportedId())('DatabasePromotionPolicyStore (%s)', databaseId => {
  let knex: Knex;
  let store: DatabasePromotionPolicyStore;

  beforeEach(async () => {
    knex = await databases.init(databaseId);
    // Runs every migration, this store's included.
    await DatabaseVersionStore.create({ database: { getClient: async () => knex } as any });
    store = new DatabasePromotionPolicyStore(knex);
  });

  it('lets one holder of many claim an attempt, and nobody once it ended', async () => {
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimAutoPromotion(key, `replica-${i}`, 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.getAutoPromotion(key)).toMatchObject({ result: 'running', source: { workspace: 'dev', version: 3 } });
    await store.finishAutoPromotion(key, { result: 'promoted', targetVersion: 7 });
    expect(await store.claimAutoPromotion(key, 'late', 60_000)).toBe(false);
    expect(await store.getAutoPromotion(key)).toMatchObject({ result: 'promoted', version: 7 });
    await store.setAutoPromotionOutcome(key, 'succeeded');
    expect((await store.latestAutoPromotions(SERVICE)).get('staging')).toMatchObject({ version: 7, outcome: 'succeeded' });
  });

  it('takes over a claim whose holder died once it expired by the database clock, and lists it meanwhile', async () => {
    expect(await store.claimAutoPromotion(key, 'dead', 300)).toBe(true);
    expect(await store.claimAutoPromotion(key, 'other', 60_000)).toBe(false);
    expect(await store.listUnfinishedAutoPromotions()).toEqual([]);
    await new Promise(r => setTimeout(r, 400));
    expect(await store.listUnfinishedAutoPromotions()).toEqual([{ ...key, result: 'running', targetVersion: undefined }]);
    expect(await store.claimAutoPromotion(key, 'other', 60_000)).toBe(true);
    expect(await store.claimAutoPromotion(key, 'third', 60_000)).toBe(false);
  });

  it('claims a skip again only while it waits for a soak time or a freeze', async () => {
    await store.claimAutoPromotion(key, 'a', 60_000);
    await store.finishAutoPromotion(key, { result: 'skipped', code: 'soak', reason: '5m left' });
    expect(await store.listUnfinishedAutoPromotions()).toEqual([{ ...key, result: 'skipped', targetVersion: undefined }]);
    expect(await store.claimAutoPromotion(key, 'b', 60_000)).toBe(true);
    await store.finishAutoPromotion(key, { result: 'skipped', code: 'hold', reason: 'held' });
    expect(await store.claimAutoPromotion(key, 'c', 60_000)).toBe(false);
    expect(await store.listUnfinishedAutoPromotions()).toEqual([]);
  });

  it('finds rejections by spec hash, naming the version each was made on, and lifts them', async () => {
    const rejection = await store.reject(
      { service: SERVICE, workspace: 'dev', version: 3, specHash: 'a'.repeat(64) },
      { by: 'user:default/jane', reason: 'leaks connections' },
    );
    expect(rejection).toEqual({ by: 'user:default/jane', at: expect.any(String), reason: 'leaks connections' });
    await expect(
      store.reject({ service: SERVICE, workspace: 'dev', version: 3, specHash: 'a'.repeat(64) }, { by: 'x', reason: 'y' }),
    ).rejects.toThrow(/already rejected by user:default\/jane/);
    const found = await store.rejectionsBySpec(SERVICE, ['a'.repeat(64), 'b'.repeat(64)]);
    expect([...found.entries()]).toEqual([['a'.repeat(64), { ...rejection, workspace: 'dev', version: 3 }]]);
    expect((await store.rejectionsBySpec('component:default/ledger', ['a'.repeat(64)])).size).toBe(0);
    expect(await store.unreject({ service: SERVICE, workspace: 'dev', version: 3 })).toEqual(rejection);
    expect(await store.unreject({ service: SERVICE, workspace: 'dev', version: 3 })).toBeUndefined();
  });

  it('keeps the latest hold per workspace until it is lifted', async () => {
    await store.placeHold(SERVICE, 'staging', { by: 'user:default/jane', reason: 'rollback to v1', version: 4 });
    await store.placeHold(SERVICE, 'staging', { by: 'user:default/joe', reason: 'rollback to v2', version: 6 });
    expect([...(await store.getHolds(SERVICE)).entries()]).toEqual([
      ['staging', { by: 'user:default/joe', at: expect.any(String), reason: 'rollback to v2', version: 6 }],
    ]);
    expect(await store.liftHold(SERVICE, 'staging')).toMatchObject({ by: 'user:default/joe' });
    expect(await store.liftHold(SERVICE, 'staging')).toBeUndefined();
  });

  it('lists succeeded current versions of the last day without an attempt, as candidates for the catch-up', async () => {
    const versions = await DatabaseVersionStore.create({ database: { getClient: async () => knex } as any, skipMigrations: true });
    const succeed = async (service: string, workspace: string, finishedAt = new Date(), status: 'succeeded' | 'failed' = 'succeeded') => {
      const v = await versions.createVersion(
        { service, workspace, spec: { image: `nginx:${Math.random()}` }, origin: { type: 'deploy' }, status: 'applying', createdBy: 'user:default/jane' },
        { makeCurrent: true },
      );
      await versions.updateVersionStatus(service, workspace, v.number, { status, finishedAt, makeCurrent: status === 'succeeded' });
      return v.number;
    };
    await succeed(SERVICE, 'dev');
    const latest = await succeed(SERVICE, 'dev');
    await succeed(SERVICE, 'staging', new Date(Date.now() - 2 * 86_400_000));
    await succeed('component:default/ledger', 'dev', new Date(), 'failed');
    await succeed('component:default/orders', 'dev');
    expect(await store.listAutoPromotionCandidates(86_400_000)).toEqual(
      expect.arrayContaining([
        { service: SERVICE, workspace: 'dev', number: latest },
        { service: 'component:default/orders', workspace: 'dev', number: 1 },
      ]),
    );
    expect(await store.listAutoPromotionCandidates(86_400_000)).toHaveLength(2);
    await store.claimAutoPromotion({ service: SERVICE, sourceWorkspace: 'dev', sourceVersion: latest, targetWorkspace: 'staging' }, 'a', 1000);
    expect(await store.listAutoPromotionCandidates(86_400_000)).toEqual([{ service: 'component:default/orders', workspace: 'dev', number: 1 }]);
  });

  it('reads the database clock', async () => {
    expect(Math.abs((await store.now()).getTime() - Date.now())).toBeLessThan(5_000);
  });
});
