/*
 * One Shipyard backend replica as its own OS process, for tests that need a
 * backend seen from outside: two replicas sharing one PostgreSQL, or one
 * whose database restarts under it. Prints `listening <port>` when ready.
 *   node --require @backstage/cli/config/nodeTransform.cjs backendProcess.ts <postgres connection string> [options JSON]
 * Options: `{ "gateway": true }` gives the workspaces a fake cluster (so
 * operations take leases); `"config"` replaces startShipyard's configuration;
 * `"logLevel"` (e.g. `"warn"`) prints the backend's log to stderr.
 */
import { mockServices } from '@backstage/backend-test-utils';
import knexFactory from 'knex';
import { FakeClusterGateway } from './FakeClusterGateway';
import { startShipyard } from './startShipyard';

async function main() {
  const options: { gateway?: boolean; config?: object; logLevel?: 'error' | 'warn' | 'info' | 'debug' } = JSON.parse(process.argv[3] ?? '{}');
  const knex = knexFactory({ client: 'pg', connection: process.argv[2], pool: { min: 0, max: 10 } });
  const { server } = await startShipyard(knex, {
    gateway: options.gateway ? new FakeClusterGateway() : undefined,
    config: options.config,
    features: options.logLevel ? [mockServices.rootLogger.factory({ level: options.logLevel })] : [],
  });
  process.stdout.write(`listening ${server.port()}\n`);
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
