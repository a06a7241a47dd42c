import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { baseSpec } from '../__testUtils__/startShipyard';

/*
 * Two backend replicas, each its own OS process, sharing one PostgreSQL:
 * concurrent deploys through both still get unique, gap-free numbers.
 */

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
const postgres = databases.eachSupportedId().length > 0;
const auth = mockCredentials.user.header();

function startReplica(connection: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('@backstage/cli/config/nodeTransform.cjs'), join(__dirname, '../__testUtils__/backendProcess.ts'), connection],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    let errors = '';
    child.stdout!.on('data', chunk => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) resolve({ child, url: `http://localhost:${match[1]}` });
    });
    child.stderr!.on('data', chunk => (errors += chunk));
    child.on('exit', code => reject(new Error(`replica exited with ${code}: ${errors.slice(-2000)}`)));
  });
}

(postgres ? describe : describe.skip)('two backend processes sharing one PostgreSQL', () => {
  const replicas: ChildProcess[] = [];
  afterAll(() => replicas.forEach(r => r.kill('SIGKILL')));

  it('give concurrent deploys unique, gap-free numbers', async () => {
    const knex = await databases.init('POSTGRES_15');
    const { connection } = knex.client.config;
    const url =
      typeof connection === 'string'
        ? connection
        : `postgresql://${connection.user}:${connection.password}@${connection.host}:${connection.port}/${connection.database}`;
    // The first replica creates the tables; the second finds them migrated.
    const a = await startReplica(url);
    replicas.push(a.child);
    const b = await startReplica(url);
    replicas.push(b.child);

    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        fetch(`${(i % 2 ? a : b).url}/api/shipyard/services/component/default/payments/workspaces/dev/versions`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ spec: { ...baseSpec, replicas: i % 7 }, message: `from replica ${i % 2 ? 'a' : 'b'}` }),
        }).then(async r => ({ status: r.status, body: await r.json() })),
      ),
    );
    expect(responses.map(r => r.status)).toEqual(Array(60).fill(201));
    expect(responses.map(r => r.body.number).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const rows = await knex('shipyard_versions').select('number', 'message').orderBy('number');
    expect(rows.map(r => r.number)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(rows.map(r => r.message))).toEqual(new Set(['from replica a', 'from replica b']));
  });
});
