import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { kubectl, localCluster } from '../__testUtils__/localCluster';

/*
 * Two backend replicas, each its own OS process, sharing one PostgreSQL and
 * watching one cluster namespace: only the lease holder watches; killed
 * while rollouts it followed are still running, the other takes the
 * watchers over within seconds and records every rollout that finished
 * meanwhile, and a change made during the takeover.
 */

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });
const cluster = localCluster(1);
const run = Math.random().toString(36).slice(2, 7);
const NAMESPACE = `shipyard-takeover-${run}`;
const names = Array.from({ length: 6 }, (_, i) => `svc${i}-${run}`);
/** Deployed through the replica without the watchers. */
const solo = `solo-${run}`;
const auth = mockCredentials.user.header();

interface Replica {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
  /** Every URL the replica sent to the Kubernetes plugin's proxy so far. */
  proxied: string[];
}

function startReplica(connection: string): Promise<Replica> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      join(__dirname, '../__testUtils__/watchingBackendProcess.ts'),
      JSON.stringify({ connection, cluster: process.env.SHIPYARD_TEST_CLUSTER, namespace: NAMESPACE, names: [...names, solo] }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const exited = new Promise(resolve => child.on('exit', resolve));
  return new Promise((resolve, reject) => {
    let errors = '';
    const proxied: string[] = [];
    createInterface({ input: child.stdout! }).on('line', line => {
      const listening = /^listening (\d+)/.exec(line);
      if (listening) resolve({ child, url: `http://127.0.0.1:${listening[1]}`, exited, proxied });
      else if (line.startsWith('proxy ')) proxied.push(line.slice(6));
    });
    child.stderr!.on('data', chunk => (errors += chunk));
    child.on('exit', code => reject(new Error(`replica exited with ${code}: ${errors.slice(-2000)}`)));
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

const call = async (url: string, method: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}/api/shipyard/services/component/default/${path}`, {
    method,
    headers: { Authorization: auth, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

(cluster && databases.eachSupportedId().length > 0 ? describe : describe.skip)('the cluster watchers across two replicas', () => {
  const replicas: ChildProcess[] = [];
  beforeAll(() => kubectl(cluster!, 'create', 'namespace', NAMESPACE));
  afterAll(() => {
    replicas.forEach(r => r.kill('SIGKILL'));
    kubectl(cluster!, 'delete', 'namespace', NAMESPACE, '--wait=false');
  });

  it('move to the other replica when the holder is killed, and lose no rollout that ended meanwhile', async () => {
    const knex = await databases.init('POSTGRES_15');
    const { connection } = knex.client.config;
    const url =
      typeof connection === 'string'
        ? connection
        : `postgresql://${connection.user}:${connection.password}@${connection.host}:${connection.port}/${connection.database}`;
    const a = await startReplica(url);
    replicas.push(a.child);
    const b = await startReplica(url);
    replicas.push(b.child);
    const holder = async () => (await knex('shipyard_singleton_leases').where({ name: 'cluster-watchers' }).first())?.holder;
    const first = await until('a replica to hold the watchers', holder);
    const [holding, other] = first.includes(`/${a.child.pid}/`) ? [a, b] : [b, a];

    // The replica without the watchers follows a rollout with a watch of
    // that Deployment alone, not by asking for it again and again.
    const before = other.proxied.length;
    const started = Date.now();
    const alone = await call(other.url, 'POST', `${solo}/workspaces/dev/versions?wait=true`, { spec: { image: 'ghcr.io/acme/app:1.0.0', replicas: 1 } });
    expect(alone).toMatchObject({ status: 201, body: { status: 'succeeded' } });
    const sent = other.proxied.slice(before);
    const byName = sent.filter(u => new URL(u).pathname.endsWith(`/deployments/${solo}`) && !u.includes('watch=1'));
    const watchOfIt = sent.filter(u => u.includes('watch=1') && u.includes(encodeURIComponent(`metadata.name=${solo}`)));
    expect(watchOfIt.length).toBeGreaterThanOrEqual(1);
    // Two ownership reads before the apply, at most one look before the watch answers.
    expect(byName.length).toBeLessThanOrEqual(3);
    // eslint-disable-next-line no-console
    console.log(`a follower without the watchers: ${Date.now() - started} ms to succeeded, ${byName.length} reads of the Deployment, ${watchOfIt.length} watch`);

    // The holder follows these rollouts; it dies before they are recorded as ended.
    const deployed = await Promise.all(names.map(name => call(holding.url, 'POST', `${name}/workspaces/dev/versions`, { spec: { image: 'ghcr.io/acme/app:1.0.0', replicas: 1 } })));
    expect(deployed.map(d => d.status)).toEqual(names.map(() => 201));
    expect(deployed.map(d => d.body)).toEqual(names.map(() => expect.objectContaining({ status: 'progressing' })));
    const killedAt = Date.now();
    holding.child.kill('SIGKILL');
    await holding.exited;
    // A change during the takeover, which only a watch would record.
    kubectl(cluster!, 'set', 'image', '-n', NAMESPACE, `deployment/${names[0]}`, `${names[0]}=ghcr.io/acme/app:6.6.6`);

    const taken = await until('the other replica to take the watchers', async () => {
      const h = await holder();
      return h && h !== first && h;
    });
    expect(taken).toContain(`/${other.child.pid}/`);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);

    // Every rollout that finished while nobody watched is recorded: the
    // dead holder's workspace leases expire (3 s) and the watcher retries.
    for (const name of names) {
      await until(`${name} to be recorded succeeded`, async () => {
        const version = await call(other.url, 'GET', `${name}/workspaces/dev/versions/1`);
        return version.body.status === 'succeeded';
      });
    }
    const drift = await until('the drift made during the takeover', async () => {
      const items = (await call(other.url, 'GET', `${names[0]}/workspaces`)).body.items;
      return items.find((i: any) => i.workspace.name === 'dev')?.drift?.drifted && items[0].drift;
    });
    expect(drift.fields).toEqual([expect.objectContaining({ path: 'image', live: 'ghcr.io/acme/app:6.6.6' })]);
  });
});
