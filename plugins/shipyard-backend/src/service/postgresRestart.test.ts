import { mockCredentials } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { isDeepStrictEqual } from 'node:util';
import { BackendProcess, spawnBackendProcess } from '../__testUtils__/spawnBackendProcess';
import { baseSpec, workspacesConfig } from '../__testUtils__/startShipyard';
import {
  canRunThrowawayPostgres,
  startThrowawayPostgres,
  ThrowawayPostgres,
} from '../__testUtils__/throwawayPostgres';

/*
 * PostgreSQL restarted, then crashed, under 16 clients deploying through a
 * backend in its own process: every request is answered (201, a 503 saying
 * the database is unavailable, or a 409 for a busy lease), every 201 is
 * stored with its spec, numbers stay gap-free, no lease stays stuck, and the
 * backend serves again within seconds of the database.
 */

jest.setTimeout(120_000);

const CLIENTS = 16;
const TTL_SECONDS = 3;
const REQUEST_TIMEOUT_MS = 20_000;
const READERS = 2;
// A lease whose holder could not release it during the outage blocks its
// (service, workspace) until it expires, so recovery is bounded by one TTL.
const RECOVERY_LIMIT_MS = (TTL_SECONDS + 2) * 1000;
const auth = mockCredentials.user.header();

const targets = [
  { service: 'component:default/payments', path: 'component/default/payments', workspace: 'dev' },
  { service: 'component:default/payments', path: 'component/default/payments', workspace: 'staging' },
  { service: 'component:default/ledger', path: 'component/default/ledger', workspace: 'dev' },
  { service: 'component:default/ledger', path: 'component/default/ledger', workspace: 'staging' },
];
type Target = (typeof targets)[number];

interface Outcome {
  client: number;
  target: Target;
  message: string;
  image: string;
  sentAt: number;
  answeredAt?: number;
  status?: number;
  body?: any;
  /** No answer: a timeout or a broken connection. */
  failure?: string;
}

async function deploy(url: string, target: Target, client: number, seq: number): Promise<Outcome> {
  const image = `ghcr.io/acme/payments:1.${client}.${seq}`;
  const outcome: Outcome = { client, target, message: `client ${client} request ${seq}`, image, sentAt: Date.now() };
  try {
    const response = await fetch(`${url}/api/shipyard/services/${target.path}/workspaces/${target.workspace}/versions`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ spec: { ...baseSpec, image }, message: outcome.message }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    outcome.status = response.status;
    const text = await response.text();
    try {
      outcome.body = JSON.parse(text);
    } catch {
      outcome.body = text;
    }
  } catch (error) {
    outcome.failure = String((error as Error)?.cause ?? error);
  }
  outcome.answeredAt = Date.now();
  return outcome;
}

/** A read while the database restarts: 200 or 503, like a deploy. */
async function read(url: string, target: Target): Promise<{ status?: number; body?: any; failure?: string }> {
  try {
    const response = await fetch(`${url}/api/shipyard/services/${target.path}/workspaces`, {
      headers: { Authorization: auth },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  } catch (error) {
    return { failure: String((error as Error)?.cause ?? error) };
  }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Time from `upAt` to the first 201 of a request sent after it, to any
 * target (`first`) and to each target (`all`: the slowest of them).
 */
function recovery(outcomes: Outcome[], upAt: number): { first?: number; all?: number } {
  const firstFor = (target?: Target) =>
    outcomes
      .filter(o => o.status === 201 && o.sentAt >= upAt && (!target || o.target === target))
      .map(o => o.answeredAt! - upAt)
      .sort((a, b) => a - b)[0] as number | undefined;
  const each = targets.map(firstFor);
  return { first: firstFor(), all: each.some(t => t === undefined) ? undefined : Math.max(...(each as number[])) };
}

const errorMessage = (o: Outcome) => (typeof o.body === 'object' ? o.body?.error?.message : String(o.body));

(canRunThrowawayPostgres() ? describe : describe.skip)('a backend whose PostgreSQL restarts under load', () => {
  let postgres: ThrowawayPostgres | undefined;
  let backend: BackendProcess | undefined;
  let knex: Knex | undefined;

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    backend = await spawnBackendProcess(postgres.connectionString, {
      gateway: true,
      logLevel: 'warn',
      config: {
        shipyard: {
          ...workspacesConfig.shipyard,
          lease: { ttlSeconds: TTL_SECONDS, waitSeconds: 5 },
        },
      },
    });
  });

  afterAll(async () => {
    backend?.child.kill('SIGKILL');
    await knex?.destroy();
    await postgres?.destroy();
  });

  it('answers every request, loses no 201, leaves no gap and no stuck lease, and recovers within seconds', async () => {
    const pg = postgres!;
    const server = backend!;
    const outcomes: Outcome[] = [];

    const reads: Array<{ status?: number; body?: any; failure?: string }> = [];
    let loading = true;

    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      const target = targets[client % targets.length];
      for (let seq = 1; loading; seq++) {
        const outcome = await deploy(server.url, target, client, seq);
        outcomes.push(outcome);
        // A polite client backs off a little when told to retry.
        if (outcome.status !== 201) await sleep(100);
      }
    });
    const readers = Array.from({ length: READERS }, async (_, reader) => {
      while (loading) {
        const outcome = await read(server.url, targets[reader % targets.length]);
        reads.push(outcome);
        await sleep(outcome.status === 200 ? 20 : 100);
      }
    });

    const started = Date.now();
    const waitForRecovery = async (upAt: number) => {
      const deadline = Date.now() + 15_000;
      while (recovery(outcomes, upAt).all === undefined && Date.now() < deadline) await sleep(50);
    };

    await sleep(2_000);
    const restartAt = Date.now();
    await pg.restart();
    const restartUpAt = Date.now();
    await waitForRecovery(restartUpAt);
    await sleep(2_000);

    const crashAt = Date.now();
    await pg.stop('immediate');
    await sleep(1_000);
    await pg.start();
    const crashUpAt = Date.now();
    await waitForRecovery(crashUpAt);
    await sleep(2_000);

    loading = false;
    await Promise.all([...clients, ...readers]);
    const loadMs = Date.now() - started;

    // Once the load is over, every lease is free or expires within its TTL,
    // as the API shows it, and each (service, workspace) takes a new deploy.
    const heldLeases = async () => {
      const held: object[] = [];
      for (const path of new Set(targets.map(t => t.path))) {
        const response = await fetch(`${server.url}/api/shipyard/services/${path}/workspaces`, { headers: { Authorization: auth } });
        const body = await response.json();
        if (response.status !== 200) throw new Error(`reading leases: ${response.status} ${JSON.stringify(body)}`);
        for (const item of body.items) if (item.lease) held.push({ service: path, workspace: item.workspace.name, ...item.lease });
      }
      return held;
    };
    const leaseDeadline = Date.now() + (TTL_SECONDS + 2) * 1000;
    let stuck = await heldLeases();
    while (stuck.length > 0 && Date.now() < leaseDeadline) {
      await sleep(200);
      stuck = await heldLeases();
    }
    const after = await Promise.all(targets.map((target, i) => deploy(server.url, target, 100 + i, 1)));

    knex = knexFactory({ client: 'pg', connection: pg.connectionString, pool: { min: 0, max: 2 } });
    const rows: Array<{ service_ref: string; workspace: string; number: number; message: string; status: string; status_message: string | null; spec: string }> =
      await knex('shipyard_versions as v')
        .join('shipyard_specs as s', 's.hash', 'v.spec_hash')
        .select('v.service_ref', 'v.workspace', 'v.number', 'v.message', 'v.status', 'v.status_message', 's.spec');
    const rowOf = new Map(rows.map(r => [`${r.service_ref}|${r.workspace}|${r.number}`, r]));
    const answered201 = new Set([...outcomes, ...after].filter(o => o.status === 201).map(o => o.message));
    const storedWithout201 = rows.filter(r => !answered201.has(r.message));
    const states: Array<{ service_ref: string; workspace: string; latest_number: number; version_count: number }> =
      await knex('shipyard_workspace_state').select('service_ref', 'workspace', 'latest_number', 'version_count');

    // The figures the closing note reports.
    const byStatus = new Map<string, number>();
    for (const o of outcomes) {
      const key = o.failure ? 'no answer' : String(o.status);
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
    }
    const messages503 = new Map<string, number>();
    for (const o of outcomes.filter(x => x.status === 503)) {
      messages503.set(errorMessage(o), (messages503.get(errorMessage(o)) ?? 0) + 1);
    }
    const created = outcomes.filter(o => o.status === 201);
    const latencies = outcomes.filter(o => !o.failure).map(o => o.answeredAt! - o.sentAt).sort((a, b) => a - b);
    // knex drops pooled connections the server closed (node-postgres reports
    // their end), so once the server is back no request should meet one.
    const failedAfterUp = outcomes.filter(
      o => o.status === 503 && ((o.sentAt >= restartUpAt && o.answeredAt! < crashAt) || o.sentAt >= crashUpAt),
    );
    const restartRecovery = recovery(outcomes, restartUpAt);
    const crashRecovery = recovery(outcomes, crashUpAt);
    const readsByStatus = new Map<string, number>();
    for (const r of reads) {
      const key = r.failure ? 'no answer' : String(r.status);
      readsByStatus.set(key, (readsByStatus.get(key) ?? 0) + 1);
    }
    const rowsByStatus = new Map<string, number>();
    for (const r of rows) rowsByStatus.set(r.status, (rowsByStatus.get(r.status) ?? 0) + 1);
    const report = [
      `PostgreSQL restart under load: ${CLIENTS} clients, ${targets.length} (service, workspace) pairs, ${(loadMs / 1000).toFixed(1)} s of load`,
      `  deploy requests ${outcomes.length}; answered ${outcomes.filter(o => !o.failure).length}; by status: ${[...byStatus].map(([k, v]) => `${k}: ${v}`).join(', ')}`,
      `  reads (${READERS} clients) ${reads.length}; answered ${reads.filter(r => !r.failure).length}; by status: ${[...readsByStatus].map(([k, v]) => `${k}: ${v}`).join(', ')}`,
      `  latency ms p50 ${latencies[Math.floor(latencies.length / 2)]}, p99 ${latencies[Math.floor(latencies.length * 0.99)]}, max ${latencies[latencies.length - 1]}`,
      `  503s of requests sent after the server was back: ${failedAfterUp.length}`,
      `  503 messages: ${[...messages503].map(([m, n]) => `${n}× "${m}"`).join('; ') || 'none'}`,
      `  pg_ctl restart -m fast took ${restartUpAt - restartAt} ms; after the server was back: first 201 in ${restartRecovery.first ?? 'never'} ms, a 201 on every (service, workspace) in ${restartRecovery.all ?? 'never'} ms`,
      `  pg_ctl stop -m immediate, 1 s down, pg_ctl start took ${crashUpAt - crashAt} ms; after the server was back: first 201 in ${crashRecovery.first ?? 'never'} ms, a 201 on every (service, workspace) in ${crashRecovery.all ?? 'never'} ms`,
      `  versions stored ${rows.length} (by status: ${[...rowsByStatus].map(([k, v]) => `${k}: ${v}`).join(', ')}); 201s ${created.length}; stored without a 201: ${storedWithout201.length}`,
      ...storedWithout201.map(r => `    v${r.number} of ${r.service_ref} in ${r.workspace} (${r.message}): ${r.status}, "${r.status_message}"; its request got ${[...outcomes].filter(o => o.message === r.message).map(o => o.status ?? o.failure).join(', ')}`),
      `  leases still held ${TTL_SECONDS + 2} s after the load: ${stuck.length}; deploys after the load: ${after.map(o => o.status ?? o.failure).join(', ')}`,
      `  backend process: ${server.exitCode() === undefined ? 'running' : `exited with ${server.exitCode()}`}`,
    ].join('\n');
    // eslint-disable-next-line no-console
    console.log(report);

    const failures: string[] = [];
    const expectThat = (ok: boolean, what: string) => {
      if (!ok) failures.push(what);
    };
    expectThat(server.exitCode() === undefined, `the backend exited with ${server.exitCode()}:\n${server.stderr().slice(-3000)}`);
    for (const o of outcomes.filter(x => x.failure)) {
      expectThat(false, `client ${o.client} ${o.message} got no answer after ${o.answeredAt! - o.sentAt} ms: ${o.failure}`);
    }
    for (const o of outcomes.filter(x => x.status !== undefined && ![201, 409, 503].includes(x.status))) {
      expectThat(false, `${o.message} got ${o.status}: ${JSON.stringify(o.body).slice(0, 500)}`);
    }
    for (const o of outcomes.filter(x => x.status === 503)) {
      // Either "retry", or, once the cluster already runs the version, "check its status before deploying again".
      expectThat(
        /^database unavailable: .+(; retry|check its status before deploying again)/.test(errorMessage(o) ?? ''),
        `503 without a clear message: ${JSON.stringify(o.body)}`,
      );
    }
    for (const o of outcomes.filter(x => x.status === 409)) {
      expectThat(/is busy/.test(errorMessage(o) ?? ''), `409 that is not a busy lease: ${JSON.stringify(o.body)}`);
    }
    for (const o of [...created, ...after.filter(x => x.status === 201)]) {
      const row = rowOf.get(`${o.target.service}|${o.target.workspace}|${o.body.number}`);
      expectThat(
        row?.message === o.message && o.body.spec?.image === o.image && isDeepStrictEqual(JSON.parse(row.spec), o.body.spec),
        `201 for ${o.message} (v${o.body.number} of ${o.target.service} in ${o.target.workspace}) is not stored as answered: ${JSON.stringify(row)}`,
      );
    }
    for (const target of targets) {
      const numbers = rows
        .filter(r => r.service_ref === target.service && r.workspace === target.workspace)
        .map(r => Number(r.number))
        .sort((a, b) => a - b);
      const state = states.find(s => s.service_ref === target.service && s.workspace === target.workspace);
      expectThat(
        numbers.every((n, i) => n === i + 1) && Number(state?.latest_number) === numbers.length,
        `${target.service} in ${target.workspace}: numbers ${numbers.join(',')} are not 1..${numbers.length} (latest_number ${state?.latest_number})`,
      );
    }
    expectThat(stuck.length === 0, `leases held ${TTL_SECONDS + 2} s after the load: ${JSON.stringify(stuck)}`);
    expectThat(after.every(o => o.status === 201), `deploys after the load: ${after.map(o => `${o.status ?? o.failure} ${JSON.stringify(o.body)}`).join('; ')}`);
    for (const [what, measured] of [['restart', restartRecovery], ['crash', crashRecovery]] as const) {
      expectThat(
        measured.all !== undefined && measured.all <= RECOVERY_LIMIT_MS,
        `some (service, workspace) took ${measured.all ?? 'for ever'} ms after the ${what} to deploy again`,
      );
    }
    expectThat(failedAfterUp.length === 0, `503s after the database was back: ${failedAfterUp.map(o => errorMessage(o)).join('; ')}`);
    expectThat(outcomes.some(o => o.status === 503), 'no request saw the database down: the test did not exercise the outage');
    for (const r of reads.filter(x => x.failure || ![200, 503].includes(x.status!))) {
      expectThat(false, `a read got ${r.status ?? r.failure}: ${JSON.stringify(r.body).slice(0, 500)}`);
    }
    for (const r of reads.filter(x => x.status === 503)) {
      expectThat(/^database unavailable: .+; retry/.test(r.body?.error?.message ?? ''), `503 read without a clear message: ${JSON.stringify(r.body)}`);
    }
    expectThat(!/unhandled/i.test(server.stderr()), `the backend logged an unhandled error:\n${server.stderr().slice(-3000)}`);

    expect(failures).toEqual([]);
  });
});
