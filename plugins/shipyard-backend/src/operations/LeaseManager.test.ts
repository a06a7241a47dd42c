import { mockServices } from '@backstage/backend-test-utils';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import knexFactory, { Knex } from 'knex';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { LeaseManager } from './LeaseManager';

jest.setTimeout(60_000);

const SERVICE = 'component:default/payments';

/** Each case runs against a database another OS process can open too. */
const engines: Array<[string, () => { client: string; connection: string } | undefined]> = [
  ['SQLite file', () => ({ client: 'better-sqlite3', connection: join(mkdtempSync(join(tmpdir(), 'shipyard-lease-')), 'db.sqlite') })],
  [
    'PostgreSQL',
    () => {
      const base = process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;
      return base ? { client: 'pg', connection: base } : undefined;
    },
  ],
];

function startHolder(client: string, connection: string, ttlMs: number) {
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('@backstage/cli/config/nodeTransform.cjs'), join(__dirname, '../__testUtils__/leaseHolderProcess.ts'), client, connection, String(ttlMs)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const held = new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', chunk => {
      output += chunk;
      const match = /held (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    let errors = '';
    child.stderr.on('data', chunk => (errors += chunk));
    child.on('exit', code => reject(new Error(`lease holder exited with ${code}: ${errors}`)));
  });
  return { child, held };
}

describe.each(engines)('LeaseManager across processes (%s)', (_name, engine) => {
  const target = engine();
  if (!target) {
    it('is skipped: BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set', () => {
      // In CI (npm test sets this) a missing PostgreSQL fails instead.
      expect(process.env.SHIPYARD_REQUIRE_SERVICES).not.toBe('true');
    });
    return;
  }
  let knex: Knex;
  let store: DatabaseVersionStore;

  beforeAll(async () => {
    if (target.client === 'pg') {
      // A database of its own, so the tables never land in `postgres`.
      const admin = knexFactory({ client: 'pg', connection: target.connection });
      const exists = await admin.raw("select 1 from pg_database where datname = 'shipyard_lease_test'");
      if (exists.rows.length === 0) await admin.raw('create database shipyard_lease_test');
      await admin.destroy();
      target.connection = `${target.connection.replace(/\/$/, '')}/shipyard_lease_test`;
    }
    knex = knexFactory({
      client: target.client,
      connection: target.client === 'better-sqlite3' ? { filename: target.connection } : target.connection,
      useNullAsDefault: true,
    });
    store = await DatabaseVersionStore.create({ database: { getClient: async () => knex, migrations: { skip: false } } });
    await knex('shipyard_workspace_state').where({ service_ref: SERVICE }).del();
  });
  afterAll(async () => {
    await knex.destroy();
    if (target.client === 'better-sqlite3') rmSync(dirname(target.connection), { recursive: true, force: true });
  });

  it('lets the next operation run once the lease of a killed holder expired', async () => {
    const ttlMs = 1500;
    const { child, held } = startHolder(target.client, target.connection, ttlMs);
    const holder = await held;
    const leases = new LeaseManager(store, mockServices.logger.mock(), { ttlMs: 5000, waitMs: 200 });

    // While the holder lives and renews, the lease stays taken.
    await new Promise(r => setTimeout(r, ttlMs * 1.5));
    await expect(leases.acquire(SERVICE, 'dev', 'deploy')).rejects.toThrow(
      new RegExp(`busy: deploy by a process about to die by ${holder}`),
    );

    child.kill('SIGKILL');
    const killedAt = Date.now();
    const patient = new LeaseManager(store, mockServices.logger.mock(), { ttlMs: 5000, waitMs: ttlMs * 3 });
    const lease = await patient.acquire(SERVICE, 'dev', 'deploy after the crash');
    expect(lease.holder).not.toBe(holder);
    expect(Date.now() - killedAt).toBeLessThan(ttlMs * 3);
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.lease?.operation).toBe('deploy after the crash');
    await lease.release();
    expect((await store.getWorkspaceState(SERVICE, 'dev'))?.lease).toBeUndefined();
  });
});
