/*
 * A backend stand-in for the lease test: takes the lease of a (service,
 * workspace) with the real LeaseManager, says so, and keeps renewing it
 * until it is killed.
 *   node --require @backstage/cli/config/nodeTransform.cjs leaseHolderProcess.ts <client> <connection> <ttlMs>
 */
import knexFactory from 'knex';
import { DatabaseVersionStore } from '../database/DatabaseVersionStore';
import { LeaseManager } from '../operations/LeaseManager';

async function main() {
  const [client, connection, ttl] = process.argv.slice(2);
  const knex = knexFactory({
    client,
    connection: client === 'better-sqlite3' ? { filename: connection } : connection,
    useNullAsDefault: true,
  });
  const store = await DatabaseVersionStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
  const logger = { warn: () => {}, info: () => {}, error: () => {}, debug: () => {}, child: () => logger } as any;
  const leases = new LeaseManager(store, logger, { ttlMs: Number(ttl), waitMs: 1000 });
  const held = await leases.acquire('component:default/payments', 'dev', 'deploy by a process about to die');
  process.stdout.write(`held ${held.holder}\n`);
  setInterval(() => {}, 1000);
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
