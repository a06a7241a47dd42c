import { BenchContext } from './lib/context';
import {
  BenchDatabase,
  component,
  postgresDatabase,
  ShipyardBackend,
  sqliteDatabase,
  startShipyardBackend,
} from './lib/backend';
import { InstantClusterGateway } from './lib/instantCluster';
import { formatMs, round, seededRandom, since, summarize } from './lib/stats';

/*
 * DESIGN §10: 64 concurrent deploys to one service, and 1,000 mixed
 * operations over 20 services from 32 clients: every request answered,
 * numbers unique and gap-free, nothing lost. Through the real router and
 * store on each database, with a cluster that answers at once, so the
 * lease, the version allocation and the status updates are what is
 * measured. Everything is read back through the API afterwards.
 */

const ACTIVE = new Set(['pending', 'applying', 'progressing']);
const servicePath = (name: string) => `/api/shipyard/services/component/default/${name}`;

const specOf = (tag: string) => ({
  image: `ghcr.io/acme/app:${tag}`,
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info', DB_URL: 'postgres://db/app' },
  replicas: 2,
  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
});

interface Created {
  service: string;
  workspace: string;
  number: number;
  message: string;
}

interface Outcome {
  kind: string;
  status: number;
  expected: number;
  ms: number;
  error?: string;
}

async function call(backend: ShipyardBackend, kind: string, expected: number, method: string, path: string, body?: unknown) {
  const start = process.hrtime.bigint();
  try {
    const res = await backend.call(method, path, body);
    return { outcome: { kind, status: res.status, expected, ms: since(start) } as Outcome, body: res.body };
  } catch (error) {
    return { outcome: { kind, status: 0, expected, ms: since(start), error: String(error) } as Outcome, body: undefined };
  }
}

/** Waits until no lease is held and no version of `services` is still being followed. */
async function drain(backend: ShipyardBackend, services: string[]) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    let busy = 0;
    for (const service of services) {
      const res = await backend.call('GET', `${servicePath(service)}/workspaces`);
      for (const item of res.body.items) {
        if (item.lease || (item.latestVersion && ACTIVE.has(item.latestVersion.status))) busy++;
      }
    }
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error(`${busy} workspaces still busy after 120 s`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Every version of a service in a workspace, by walking the pages. */
async function readAll(backend: ShipyardBackend, service: string, workspace: string) {
  const versions: any[] = [];
  let cursor: string | undefined;
  do {
    const res = await backend.call(
      'GET',
      `${servicePath(service)}/workspaces/${workspace}/versions?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    if (res.status !== 200) throw new Error(`reading back ${service} ${workspace}: ${res.status}`);
    versions.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return versions;
}

/** Checks the stored histories against what the clients were told. */
async function verify(
  backend: ShipyardBackend,
  histories: Array<{ service: string; workspace: string }>,
  created: Created[],
  seeded: Map<string, number>,
) {
  const problems: string[] = [];
  let stored = 0;
  for (const { service, workspace } of histories) {
    const key = `${service}/${workspace}`;
    const versions = await readAll(backend, service, workspace);
    stored += versions.length;
    const numbers = versions.map(v => v.number).sort((a, b) => a - b);
    if (!numbers.every((n, i) => n === i + 1)) problems.push(`${key}: numbers are not 1..${numbers.length} (${numbers.slice(0, 5).join(',')}…)`);
    const mine = created.filter(c => c.service === service && c.workspace === workspace);
    const expectedCount = (seeded.get(key) ?? 0) + mine.length;
    if (versions.length !== expectedCount) problems.push(`${key}: ${versions.length} stored, ${expectedCount} acknowledged`);
    const byNumber = new Map(versions.map(v => [v.number, v]));
    for (const c of mine) {
      const v = byNumber.get(c.number);
      if (!v) problems.push(`${key}: v${c.number} acknowledged but not stored`);
      else if ((v.message ?? '') !== c.message) problems.push(`${key}: v${c.number} has message '${v.message}', expected '${c.message}'`);
    }
    const unfinished = versions.filter(v => v.status !== 'succeeded' && v.status !== 'recorded');
    if (unfinished.length) problems.push(`${key}: ${unfinished.length} versions not succeeded (${unfinished[0].status})`);
  }
  const duplicates = created.length - new Set(created.map(c => `${c.service}/${c.workspace}/${c.number}`)).size;
  if (duplicates) problems.push(`${duplicates} version numbers handed out twice`);
  return { problems, stored };
}

function outcomeSummary(outcomes: Outcome[]) {
  const unexpected = outcomes.filter(o => o.status !== o.expected);
  const byStatus: Record<string, number> = {};
  for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  return { unexpected, byStatus };
}

async function onEngine(ctx: BenchContext, database: BenchDatabase) {
  const { report, sizes, log } = ctx;
  const label = database.label;
  const services = Array.from({ length: sizes.mixedServices }, (_, i) => `mixed-${String(i + 1).padStart(2, '0')}`);
  const gateway = new InstantClusterGateway();
  const backend = await startShipyardBackend({
    database,
    gateway,
    entities: [component('burst-app'), ...services.map(s => component(s))],
    kubernetes: {
      clusterLocatorMethods: [{ type: 'config', clusters: [{ name: 'instant', url: 'https://127.0.0.1:1', authProvider: 'serviceAccount' }] }],
    },
    shipyard: {
      workspaces: [
        { name: 'dev', environment: 'dev', cluster: 'instant', namespace: 'shipyard-dev' },
        { name: 'staging', environment: 'staging', cluster: 'instant', namespace: 'shipyard-staging' },
        { name: 'prod', environment: 'prod', cluster: 'instant', namespace: 'shipyard-prod', protected: true },
      ],
    },
  });
  try {
    // 64 concurrent deploys to one service.
    log(`concurrency on ${label}: ${sizes.concurrentDeploys} concurrent deploys to one service …`);
    const burstStart = process.hrtime.bigint();
    const burst = await Promise.all(
      Array.from({ length: sizes.concurrentDeploys }, (_, k) =>
        call(backend, 'deploy', 201, 'POST', `${servicePath('burst-app')}/workspaces/dev/versions`, {
          spec: specOf(`3.0.${k}`),
          message: `burst-${k}`,
        }).then(r => ({ ...r, message: `burst-${k}` })),
      ),
    );
    const burstMs = since(burstStart);
    await drain(backend, ['burst-app']);
    const burstCreated: Created[] = burst
      .filter(r => r.outcome.status === 201)
      .map(r => ({ service: 'burst-app', workspace: 'dev', number: r.body.number, message: r.message }));
    const burstCheck = await verify(backend, [{ service: 'burst-app', workspace: 'dev' }], burstCreated, new Map());
    const burstOutcomes = outcomeSummary(burst.map(r => r.outcome));
    const burstLatency = summarize(burst.map(r => r.outcome.ms));
    const burstOk = burstOutcomes.unexpected.length === 0 && burstCheck.problems.length === 0;
    report.add({
      id: `concurrency-burst-${database.engine}`,
      benchmark: `${sizes.concurrentDeploys} concurrent deploys to one service, ${label}`,
      target: 'all answered; numbers unique, gap-free; none lost',
      measured: `${burstCreated.length}/${burst.length} → 201, v1..v${burstCheck.stored} gap-free, ${burstCheck.problems.length ? `${burstCheck.problems.length} problems` : 'all read back'}; p99 ${formatMs(burstLatency.p99)}, ${round(burst.length / (burstMs / 1000), 0)} deploys/s`,
      pass: burstOk,
      details: {
        latency: burstLatency,
        wallMs: round(burstMs, 1),
        throughputPerSecond: round(burst.length / (burstMs / 1000), 1),
        byStatus: burstOutcomes.byStatus,
        problems: burstCheck.problems.slice(0, 20),
        unexpected: burstOutcomes.unexpected.slice(0, 5),
      },
    });

    // 1,000 mixed operations over 20 services from 32 clients.
    const seeded = new Map<string, number>();
    for (const service of services) {
      for (const [workspace, count] of [['dev', 2], ['staging', 1]] as const) {
        for (let i = 0; i < count; i++) {
          const res = await backend.call('POST', `${servicePath(service)}/workspaces/${workspace}/versions`, {
            spec: specOf(`1.0.${i}`),
            message: `seed-${i}`,
          });
          if (res.status !== 201) throw new Error(`seeding ${service}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        seeded.set(`${service}/${workspace}`, count);
      }
    }
    await drain(backend, services);
    log(`concurrency on ${label}: ${sizes.mixedOperations} mixed operations from ${sizes.mixedClients} clients …`);
    const random = seededRandom(1000);
    const operations = Array.from({ length: sizes.mixedOperations }, (_, k) => {
      const service = services[Math.floor(random() * services.length)];
      const roll = random();
      const message = `mixed-${k}`;
      if (roll < 0.4) {
        const workspace = random() < 0.7 ? 'dev' : 'staging';
        return { kind: 'deploy', service, workspace, expected: 201, method: 'POST', path: `${servicePath(service)}/workspaces/${workspace}/versions`, body: { spec: specOf(`2.${k}.0`), message } as unknown, message };
      }
      if (roll < 0.6) {
        const to = 1 + Math.floor(random() * 2);
        return { kind: 'rollback', service, workspace: 'dev', expected: 201, method: 'POST', path: `${servicePath(service)}/workspaces/dev/versions/${to}/rollback`, body: { reason: message } as unknown, message };
      }
      if (roll < 0.8) {
        return { kind: 'plan', service, workspace: '', expected: 200, method: 'POST', path: `${servicePath(service)}/promotions/plan`, body: { source: 'dev', target: 'staging' } as unknown, message };
      }
      const workspace = random() < 0.5 ? 'dev' : 'staging';
      return { kind: 'list', service, workspace, expected: 200, method: 'GET', path: `${servicePath(service)}/workspaces/${workspace}/versions?limit=50`, body: undefined, message };
    });
    const outcomes: Outcome[] = [];
    const created: Created[] = [];
    let next = 0;
    const mixedStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: sizes.mixedClients }, async () => {
        while (next < operations.length) {
          const op = operations[next++];
          const { outcome, body } = await call(backend, op.kind, op.expected, op.method, op.path, op.body);
          outcomes.push(outcome);
          if ((op.kind === 'deploy' || op.kind === 'rollback') && outcome.status === 201) {
            created.push({ service: op.service, workspace: op.workspace, number: body.number, message: op.message });
          }
        }
      }),
    );
    const mixedMs = since(mixedStart);
    await drain(backend, services);
    const histories = services.flatMap(service => [
      { service, workspace: 'dev' },
      { service, workspace: 'staging' },
    ]);
    const check = await verify(backend, histories, created, seeded);
    const summary = outcomeSummary(outcomes);
    const latency = summarize(outcomes.map(o => o.ms));
    const perKind = Object.fromEntries(
      ['deploy', 'rollback', 'plan', 'list'].map(kind => {
        const of = outcomes.filter(o => o.kind === kind);
        return [kind, { count: of.length, ...summarize(of.map(o => o.ms)) }];
      }),
    );
    const ok = outcomes.length === operations.length && summary.unexpected.length === 0 && check.problems.length === 0;
    report.add({
      id: `concurrency-mixed-${database.engine}`,
      benchmark: `${sizes.mixedOperations.toLocaleString('en-US')} mixed operations, ${sizes.mixedServices} services, ${sizes.mixedClients} clients, ${label}`,
      target: 'all answered; numbers unique, gap-free; none lost',
      measured: `${outcomes.length - summary.unexpected.length}/${operations.length} as expected, ${created.length} versions gap-free on ${histories.length} histories, ${check.problems.length ? `${check.problems.length} problems` : 'all read back'}; ${round(outcomes.length / (mixedMs / 1000), 0)} ops/s, p99 ${formatMs(latency.p99)}`,
      pass: ok,
      details: {
        latency,
        perKind,
        wallMs: round(mixedMs, 1),
        throughputPerSecond: round(outcomes.length / (mixedMs / 1000), 1),
        byStatus: summary.byStatus,
        versionsCreated: created.length,
        versionsStored: check.stored,
        clusterApplies: gateway.applies,
        problems: check.problems.slice(0, 20),
        unexpected: summary.unexpected.slice(0, 5),
      },
    });
  } finally {
    await backend.stop();
  }
}

export async function concurrencyBench(ctx: BenchContext) {
  const { report, sizes } = ctx;
  for (const engine of ['sqlite', 'postgres'] as const) {
    if (engine === 'postgres' && !ctx.postgres) {
      const reason = ctx.postgresMissing ?? 'PostgreSQL unavailable';
      report.skip('concurrency-burst-postgres', `${sizes.concurrentDeploys} concurrent deploys to one service, PostgreSQL`, 'all answered; numbers unique, gap-free; none lost', reason);
      report.skip('concurrency-mixed-postgres', `${sizes.mixedOperations} mixed operations, PostgreSQL`, 'all answered; numbers unique, gap-free; none lost', reason);
      continue;
    }
    const database = engine === 'sqlite' ? sqliteDatabase() : postgresDatabase(ctx.postgres!);
    try {
      await onEngine(ctx, database);
    } finally {
      await database.dispose();
    }
  }
}
