/*
 * One Shipyard backend replica as its own OS process, for the test of two
 * replicas sharing one PostgreSQL. Prints `listening <port>` when ready.
 *   node --require @backstage/cli/config/nodeTransform.cjs backendProcess.ts <postgres connection string>
 */
import knexFactory from 'knex';
import { startShipyard } from './startShipyard';

async function main() {
  const knex = knexFactory({ client: 'pg', connection: process.argv[2], pool: { min: 0, max: 10 } });
  const { server } = await startShipyard(knex);
  process.stdout.write(`listening ${server.port()}\n`);
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
