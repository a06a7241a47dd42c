import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { VersionEvents, VersionStatusEvent } from './VersionEvents';

jest.setTimeout(60_000);

describe('VersionEvents', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('publishes a created version and each status change after the write', async () => {
    const knex = await databases.init('SQLITE_3');
    const events = new VersionEvents();
    const store = events.wrap(
      await DatabaseVersionStore.create({
        database: { getClient: async () => knex },
      }),
    );
    const seen: Array<VersionStatusEvent & { storedStatus?: string }> = [];
    events.subscribe(async event => {
      const stored = await store.getVersion(
        event.entityRef,
        event.workspace,
        event.number,
      );
      seen.push({ ...event, storedStatus: stored?.status });
    });

    const v1 = await store.createVersion({
      service: 'component:default/payments',
      workspace: 'dev',
      spec: { image: 'nginx:1.27' } as any,
      origin: { type: 'deploy' },
      status: 'pending',
      createdBy: 'user:default/ana',
    });
    await store.updateVersionStatus(v1.service, 'dev', v1.number, {
      status: 'succeeded',
      makeCurrent: true,
    });
    await new Promise(resolve => setImmediate(resolve));
    await new Promise(resolve => setTimeout(resolve, 50));

    expect(seen).toEqual([
      expect.objectContaining({
        number: 1,
        status: 'pending',
        created: true,
        storedStatus: 'pending',
      }),
      expect.objectContaining({
        number: 1,
        status: 'succeeded',
        created: false,
        storedStatus: 'succeeded',
      }),
    ]);
  });

  it('keeps a failing listener away from the writer and the other listeners', async () => {
    const knex = await databases.init('SQLITE_3');
    const warnings: string[] = [];
    const events = new VersionEvents({
      warn: (m: string) => warnings.push(m),
    } as any);
    const store = events.wrap(
      await DatabaseVersionStore.create({
        database: { getClient: async () => knex },
      }),
    );
    const statuses: string[] = [];
    events.subscribe(() => {
      throw new Error('listener broke');
    });
    const unsubscribe = events.subscribe(event => {
      statuses.push(event.status);
    });
    await store.createVersion({
      service: 'component:default/payments',
      workspace: 'dev',
      spec: { image: 'nginx:1.27' } as any,
      origin: { type: 'deploy' },
      status: 'recorded',
      createdBy: 'user:default/ana',
    });
    unsubscribe();
    await store.createVersion({
      service: 'component:default/payments',
      workspace: 'dev',
      spec: { image: 'nginx:1.28' } as any,
      origin: { type: 'deploy' },
      status: 'recorded',
      createdBy: 'user:default/ana',
    });
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(statuses).toEqual(['recorded']);
    expect(warnings.join('\n')).toContain('listener broke');
  });
});
