import { spawn, ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { BenchContext } from './lib/context';
import { authHeader, BenchDatabase, component, postgresDatabase, sqliteDatabase } from './lib/backend';
import { ensureNamespace, kubeApi, LocalCluster } from './lib/kube';
import { formatMs, round, summarize, Summary } from './lib/stats';

/*
 * Issue 12: a fleet of services on one cluster, watched (the default) and
 * polled per service (`shipyard.watch.enabled: false`, the design before
 * the watchers) in the same run, on the same cluster, database and fleet.
 * The backend runs in a process of its own (bench/lib/scaleBackend.ts), so
 * its memory is its own and it counts the requests Shipyard sends through
 * the Kubernetes plugin's proxy.
 *
 *   1. N services × 2 workspaces (dev, staging: a namespace each), one
 *      replica each, deployed through Shipyard's API by 8 clients;
 *   2. at rest: proxy requests per minute over a window, resident memory;
 *   3. a wave of W deploys: status latency = the version's finishedAt minus
 *      when the bench's own watch on the API server saw the Deployment
 *      complete (`kubectl rollout status`'s rule), and requests per minute;
 *   4. drift: D Deployments patched as `kubectl set image` does, latency =
 *      the drift report's checkedAt minus when the patch was sent;
 *   5. GET …/workspaces of one service and its history page (50 versions)
 *      from 32 concurrent clients.
 * Then the same backend polling, on the same database; then the fleet again
 * on PostgreSQL for the GET figures there.
 */

interface ScaleSizes {
  services: number;
  wave: number;
  driftSamples: number;
  restSeconds: number;
  getRequests: number;
}

function scaleSizes(quick: boolean): ScaleSizes {
  const env = process.env;
  const n = (name: string, fallback: number) => (env[name] ? Number(env[name]) : fallback);
  return {
    services: n('SHIPYARD_BENCH_SCALE_SERVICES', quick ? 40 : 1000),
    wave: n('SHIPYARD_BENCH_SCALE_WAVE', quick ? 10 : 100),
    driftSamples: n('SHIPYARD_BENCH_SCALE_DRIFT', quick ? 5 : 30),
    restSeconds: n('SHIPYARD_BENCH_SCALE_REST_SECONDS', quick ? 20 : 60),
    getRequests: n('SHIPYARD_BENCH_SCALE_GETS', quick ? 500 : 4000),
  };
}

const WORKSPACES = ['dev', 'staging'] as const;
const DEPLOY_CLIENTS = 8;
const GET_CLIENTS = 32;

/** Watches the Deployments of some namespaces straight from the API server and notes when each version's rollout was complete. */
class DeploymentClock {
  private readonly completedAt = new Map<string, number>();
  private readonly controller = new AbortController();
  private readonly dispatcher: Agent;

  constructor(private readonly cluster: LocalCluster, private readonly namespaces: string[]) {
    this.dispatcher = new Agent({ connect: { ca: Buffer.from(cluster.caData, 'base64').toString('utf8') } });
  }

  start() {
    for (const ns of this.namespaces) void this.loop(ns);
    return this;
  }

  stop() {
    this.controller.abort();
  }

  /** Epoch ms when `name` in `namespace` first ran `version` complete. */
  get(namespace: string, name: string, version: number) {
    return this.completedAt.get(`${namespace}/${name}/${version}`);
  }

  private async loop(namespace: string) {
    let resourceVersion: string | undefined;
    while (!this.controller.signal.aborted) {
      try {
        const query = new URLSearchParams({ watch: '1', allowWatchBookmarks: 'true', ...(resourceVersion ? { resourceVersion } : {}) });
        const response = await undiciFetch(`${this.cluster.url}/apis/apps/v1/namespaces/${namespace}/deployments?${query}`, {
          headers: { Authorization: `Bearer ${this.cluster.token}` },
          dispatcher: this.dispatcher,
          signal: this.controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`watch answered ${response.status}`);
        let buffer = '';
        const decoder = new TextDecoder();
        for await (const chunk of response.body as any as AsyncIterable<Uint8Array>) {
          const at = Date.now();
          buffer += decoder.decode(chunk, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (!line.trim()) continue;
            const event = JSON.parse(line);
            if (event.type === 'ERROR') {
              resourceVersion = undefined;
              continue;
            }
            const d = event.object;
            resourceVersion = d.metadata.resourceVersion;
            if (event.type === 'BOOKMARK') continue;
            const s = d.status ?? {};
            const desired = d.spec?.replicas ?? 1;
            const complete =
              (s.observedGeneration ?? 0) >= d.metadata.generation &&
              (s.updatedReplicas ?? 0) >= desired &&
              (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
              (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
            const key = `${namespace}/${d.metadata.name}/${d.metadata.labels?.['shipyard/version']}`;
            if (complete && !this.completedAt.has(key)) this.completedAt.set(key, at);
          }
        }
      } catch {
        if (this.controller.signal.aborted) break;
        await new Promise(r => setTimeout(r, 200));
      }
    }
  }
}

interface BackendStats {
  proxyRequests: number;
  watchRequests: number;
  rss: number;
  heapUsed: number;
  /** CPU time (user + system) since the process started. */
  cpuMs: number;
  /** The event loop's busy and idle time since the process started. */
  loopActiveMs: number;
  loopIdleMs: number;
}

/** CPU time all cores of the machine spent busy, and in all, so far (ms). */
function machineCpu() {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    const total = times.user + times.nice + times.sys + times.irq + times.idle;
    busyMs += total - times.idle;
    totalMs += total;
  }
  return { busyMs, totalMs };
}

/**
 * Waits until the rest of the machine (the local cluster, mostly: the
 * controllers and kwok still settling a fleet's pods) uses less than a fifth
 * of one core besides the backend, so each design is measured on a machine
 * equally quiet; resolves with what the others used in the last 5 s (% of one core).
 */
async function othersQuiet(backend: ScaleBackend, maxSeconds = 180): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const [m0, b0] = [machineCpu(), await backend.stats()];
    await new Promise(r => setTimeout(r, 5000));
    const [m1, b1] = [machineCpu(), await backend.stats()];
    const wallMs = (m1.totalMs - m0.totalMs) / cpus().length;
    const othersPercent = round(((m1.busyMs - m0.busyMs - (b1.cpuMs - b0.cpuMs)) * 100) / wallMs, 1);
    if (othersPercent < 20 || Date.now() > deadline) return othersPercent;
  }
}

/** Share of the window the backend spent on the CPU, and the share its event loop was busy. */
function busy(before: BackendStats & { machine: ReturnType<typeof machineCpu> }, after: BackendStats & { machine: ReturnType<typeof machineCpu> }) {
  const active = after.loopActiveMs - before.loopActiveMs;
  const idle = after.loopIdleMs - before.loopIdleMs;
  const backendCpu = after.cpuMs - before.cpuMs;
  return {
    /** % of one core. */
    cpuPercent: round((backendCpu * 100) / (active + idle), 1),
    eventLoopPercent: round((active * 100) / (active + idle), 1),
    /** What the rest of the machine (cluster, benchmark, anything else) used meanwhile, % of one core. */
    othersCpuPercent: round(((after.machine.busyMs - before.machine.busyMs - backendCpu) * 100) / (active + idle), 1),
  };
}

/** A backend process of the benchmark's own. */
interface ScaleBackend {
  url: string;
  pid: number;
  stats(): Promise<BackendStats & { machine: ReturnType<typeof machineCpu> }>;
  /** Starts a CPU profile of the backend, or stops it and writes it to `file`. */
  profile(action: 'start' | 'stop', file?: string): Promise<void>;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

async function startScaleBackend(options: {
  database: BenchDatabase;
  cluster: LocalCluster;
  entities: object[];
  namespaces: Record<string, string>;
  watch: boolean;
}): Promise<ScaleBackend> {
  const { database, cluster } = options;
  const config = {
    database: { engine: database.engine, label: database.label, config: database.config },
    entities: options.entities,
    shipyard: {
      watch: { enabled: options.watch },
      lease: { waitSeconds: 60 },
      workspaces: WORKSPACES.map(ws => ({ name: ws, environment: ws, cluster: 'scale', namespace: options.namespaces[ws] })),
    },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [{ name: 'scale', url: cluster.url, authProvider: 'serviceAccount', serviceAccountToken: cluster.token, caData: cluster.caData }],
        },
      ],
    },
  };
  // A thousand entities are too long for a command line.
  const optionsFile = join(mkdtempSync(join(tmpdir(), 'shipyard-scale-')), 'options.json');
  writeFileSync(optionsFile, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--require', require.resolve('@backstage/cli/config/nodeTransform.cjs'), join(__dirname, 'lib', 'scaleBackend.ts'), optionsFile],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let errors = '';
  child.stderr!.on('data', chunk => {
    errors = (errors + chunk).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  const url = await new Promise<string>((resolve, reject) => {
    child.on('exit', code => reject(new Error(`scale backend exited with ${code}: ${errors}`)));
    lines.on('line', line => {
      const listening = /^listening (\S+)/.exec(line);
      if (listening) resolve(listening[1]);
      else if (line.startsWith('stats ') || line === 'profile done') waiting.shift()?.(line.slice(6));
    });
  });
  const agent = new Agent({ connections: GET_CLIENTS + 8 });
  return {
    url,
    pid: child.pid!,
    stats: () =>
      new Promise(resolve => {
        waiting.push(line => resolve({ ...JSON.parse(line), machine: machineCpu() }));
        child.stdin!.write('stats\n');
      }),
    profile: (action, file) =>
      new Promise(resolve => {
        waiting.push(() => resolve());
        child.stdin!.write(`profile ${action} ${file ?? ''}\n`);
      }),
    async call(method, path, body) {
      let response;
      for (let attempt = 1; ; attempt++) {
        try {
          response = await undiciFetch(`${url}${path}`, {
            method,
            headers: { Authorization: authHeader, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
            dispatcher: agent,
          });
          break;
        } catch (error) {
          // Under load a kept-alive socket the backend just closed fails the
          // request ("other side closed"). A repeated deploy at worst stores
          // one more version, which the figures do not depend on.
          const exited = child.exitCode !== null ? ` (the backend exited with ${child.exitCode})` : '';
          if (attempt >= 3 || exited) {
            throw new Error(`${method} ${path}: ${error}${exited}; cause ${(error as any)?.cause}; backend log: ${errors.slice(-1500)}`);
          }
          await new Promise(r => setTimeout(r, 1000));
        }
      }
      const text = await response.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON; keep the text
      }
      return { status: response.status, body: parsed };
    },
    async stop() {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      await agent.close().catch(() => {});
    },
  };
}

const service = (name: string) => `/api/shipyard/services/component/default/${name}`;
const spec = (tag: string) => ({ image: `ghcr.io/acme/fleet:${tag}`, ports: [{ name: 'http', port: 8080 }], replicas: 1 });

async function pool<T>(items: T[], clients: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** Deploys `tag` to every (name, workspace) given; resolves with each version number once all are recorded as ended. */
async function deployAll(backend: ScaleBackend, targets: Array<[string, string]>, tag: string, clients: number) {
  const numbers = new Map<string, number>();
  const failures: string[] = [];
  await pool(targets, clients, async ([name, ws]) => {
    const res = await backend.call('POST', `${service(name)}/workspaces/${ws}/versions`, { spec: spec(tag), message: `scale ${tag}` });
    if (res.status !== 201) failures.push(`${name}/${ws}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    else numbers.set(`${name}/${ws}`, res.body.number);
  });
  if (failures.length) throw new Error(`${failures.length} deploys refused, e.g. ${failures[0]}`);
  const versions = new Map<string, any>();
  const deadline = Date.now() + 30 * 60_000;
  let pending = [...numbers.keys()];
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`${pending.length} versions still not ended, e.g. ${pending[0]}`);
    const still: string[] = [];
    await pool(pending, 8, async key => {
      const [name, ws] = key.split('/');
      const res = await backend.call('GET', `${service(name)}/workspaces/${ws}/versions/${numbers.get(key)}`);
      if (['succeeded', 'failed'].includes(res.body?.status)) versions.set(key, res.body);
      else still.push(key);
    });
    pending = still;
    if (pending.length) await new Promise(r => setTimeout(r, 500));
  }
  const failed = [...versions.values()].filter(v => v.status !== 'succeeded');
  if (failed.length) throw new Error(`${failed.length} versions failed, e.g. ${failed[0].statusMessage}`);
  return versions;
}

async function restFigures(backend: ScaleBackend, seconds: number) {
  const before = await backend.stats();
  await new Promise(r => setTimeout(r, seconds * 1000));
  const after = await backend.stats();
  return {
    requestsPerMinute: round(((after.proxyRequests - before.proxyRequests) * 60) / seconds, 1),
    watchRequestsPerMinute: round(((after.watchRequests - before.watchRequests) * 60) / seconds, 1),
    rssMiB: round(after.rss / 2 ** 20, 1),
    ...busy(before, after),
  };
}

async function waveFigures(backend: ScaleBackend, clock: DeploymentClock, names: string[], namespace: string, tag: string) {
  const before = await backend.stats();
  const started = Date.now();
  const versions = await deployAll(backend, names.map(n => [n, 'dev']), tag, DEPLOY_CLIENTS);
  const seconds = (Date.now() - started) / 1000;
  const after = await backend.stats();
  const latencies: number[] = [];
  let unseen = 0;
  for (const name of names) {
    const version = versions.get(`${name}/dev`);
    const complete = clock.get(namespace, name, version.number);
    if (complete === undefined) unseen++;
    else latencies.push(Date.parse(version.finishedAt) - complete);
  }
  return {
    latency: summarize(latencies),
    unseen,
    seconds: round(seconds, 1),
    requests: after.proxyRequests - before.proxyRequests,
    requestsPerMinute: round(((after.proxyRequests - before.proxyRequests) * 60) / seconds, 1),
    ...busy(before, after),
  };
}

async function driftFigures(backend: ScaleBackend, cluster: LocalCluster, names: string[], namespace: string, tag: string, timeoutMs: number) {
  const latencies: number[] = [];
  let missed = 0;
  await Promise.all(
    names.map(async name => {
      // Taken before the patch is sent: the watch may record the drift
      // before the patch's answer is back here.
      const changed = Date.now();
      await kubeApi(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, {
        method: 'PATCH',
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { template: { spec: { containers: [{ name, image: `ghcr.io/acme/fleet:${tag}` }] } } } },
      });
      for (;;) {
        const items = (await backend.call('GET', `${service(name)}/workspaces`)).body.items ?? [];
        const drift = items.find((i: any) => i.workspace.name === 'staging')?.drift;
        if (drift?.drifted && Date.parse(drift.checkedAt) >= changed) {
          latencies.push(Date.parse(drift.checkedAt) - changed);
          return;
        }
        if (Date.now() - changed > timeoutMs) {
          missed++;
          return;
        }
        await new Promise(r => setTimeout(r, 250));
      }
    }),
  );
  return { latency: summarize(latencies), missed };
}

async function getFigures(backend: ScaleBackend, names: string[], requests: number, clients = GET_CLIENTS) {
  const workspaces: number[] = [];
  const history: number[] = [];
  let errors = 0;
  let n = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (n < requests) {
        const i = n++;
        const name = names[(i * 7919) % names.length];
        const historyPage = i % 2 === 1;
        const path = historyPage ? `${service(name)}/workspaces/dev/versions?limit=50` : `${service(name)}/workspaces`;
        const start = process.hrtime.bigint();
        const res = await backend.call('GET', path);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (res.status !== 200) errors++;
        (historyPage ? history : workspaces).push(ms);
      }
    }),
  );
  return {
    workspaces: summarize(workspaces),
    history: summarize(history),
    errors,
    requestsPerSecond: round((requests * 1000) / (Date.now() - started), 1),
  };
}

/** One client first (what a request costs), then 32 (what queueing adds). */
async function getFiguresBoth(backend: ScaleBackend, names: string[], requests: number) {
  const single = await getFigures(backend, names, Math.min(400, requests), 1);
  const before = await backend.stats();
  const concurrent = await getFigures(backend, names, requests);
  return { ...concurrent, ...busy(before, await backend.stats()), single };
}

/** With SHIPYARD_BENCH_SCALE_PROFILE=<dir>, writes a CPU profile of the backend during `phase` there (open it in Chrome's DevTools). */
async function profiled<T>(backend: ScaleBackend, phase: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.SHIPYARD_BENCH_SCALE_PROFILE;
  if (!dir) return work();
  mkdirSync(dir, { recursive: true });
  await backend.profile('start');
  try {
    return await work();
  } finally {
    await backend.profile('stop', join(resolve(dir), `${phase}.cpuprofile`));
  }
}

const cpuText = (b: ReturnType<typeof busy>) =>
  `backend ${b.cpuPercent} % of a core (event loop busy ${b.eventLoopPercent} %), the rest of the machine ${b.othersCpuPercent} %`;

const fmt = (s: Summary) => `p50 ${formatMs(s.p50)}, p99 ${formatMs(s.p99)} (n=${s.n})`;

export async function scaleBench(ctx: BenchContext) {
  const { report, log, cluster } = ctx;
  const sizes = scaleSizes(process.env.SHIPYARD_BENCH_QUICK === 'true');
  // SHIPYARD_BENCH_SCALE_PARTS=postgres measures only the PostgreSQL part (default: sqlite,postgres).
  const parts = new Set((process.env.SHIPYARD_BENCH_SCALE_PARTS ?? 'sqlite,postgres').split(',').map(p => p.trim()));
  if (!cluster) {
    report.skip('scale', 'scale: watched vs polled', 'issue 12 targets', ctx.clusterMissing ?? 'no cluster');
    return;
  }
  const run = Date.now().toString(36).slice(-5);
  const namespaces = { dev: `scale-${run}-dev`, staging: `scale-${run}-staging` };
  const names = Array.from({ length: sizes.services }, (_, i) => `fleet-${String(i).padStart(4, '0')}`);
  const entities = names.map(n => component(n, { 'shipyard/workspaces': 'dev, staging' }));
  const waveNames = names.slice(0, sizes.wave);
  const driftNames = (offset: number) => names.slice(sizes.wave + offset * sizes.driftSamples, sizes.wave + (offset + 1) * sizes.driftSamples);
  for (const ns of Object.values(namespaces)) await ensureNamespace(cluster, ns);
  // The default ServiceAccount must exist before pods can be created.
  for (const ns of Object.values(namespaces)) {
    for (let i = 0; i < 100 && !(await kubeApi(cluster, `/api/v1/namespaces/${ns}/serviceaccounts/default`)); i++) {
      await new Promise(r => setTimeout(r, 100));
    }
  }
  const clock = new DeploymentClock(cluster, Object.values(namespaces)).start();
  const sqlite = sqliteDatabase();
  const figures: Record<string, any> = { sizes };
  let backend: ScaleBackend | undefined;
  try {
    if (parts.has('sqlite')) {
      log(`scale: ${sizes.services} services × ${WORKSPACES.length} workspaces, watched (SQLite) …`);
      backend = await startScaleBackend({ database: sqlite, cluster, entities, namespaces, watch: true });
      const fleetStarted = Date.now();
      await deployAll(backend, names.flatMap(n => WORKSPACES.map(ws => [n, ws] as [string, string])), 'v1', DEPLOY_CLIENTS);
      figures.fleetSeconds = round((Date.now() - fleetStarted) / 1000, 1);
      log(`scale: fleet of ${sizes.services * 2} workspaces deployed in ${figures.fleetSeconds} s`);

      for (const mode of ['watch', 'poll'] as const) {
        // Each design starts afresh on the deployed fleet, so neither carries the fleet deploy's memory.
        await backend.stop();
        log(`scale: the fleet's backend restarted, ${mode === 'watch' ? 'watched' : 'polled per service (shipyard.watch.enabled: false)'} …`);
        const restarted = Date.now();
        backend = await startScaleBackend({ database: sqlite, cluster, entities, namespaces, watch: mode === 'watch' });
        // The watchers list and record every workload once; the poller's first refresh starts 10 s after the start.
        await new Promise(r => setTimeout(r, mode === 'watch' ? 15_000 : 45_000));
        const othersPercent = await othersQuiet(backend);
        const f: Record<string, any> = { startedSecondsBeforeRest: round((Date.now() - restarted) / 1000, 1), othersPercentBeforeRest: othersPercent };
        log(`scale ${mode}: measuring from ${f.startedSecondsBeforeRest} s after the start, the rest of the machine at ${othersPercent} % of a core`);
        figures[mode] = f;
        f.rest = await restFigures(backend, sizes.restSeconds);
        log(`scale ${mode}: at rest ${f.rest.requestsPerMinute} requests/min, RSS ${f.rest.rssMiB} MiB, ${cpuText(f.rest)}`);
        f.wave = await profiled(backend, `${mode}-wave`, () => waveFigures(backend!, clock, waveNames, namespaces.dev, `wave-${mode}`));
        log(`scale ${mode}: wave of ${sizes.wave}: status latency ${fmt(f.wave.latency)}, ${f.wave.requestsPerMinute} requests/min, ${cpuText(f.wave)}`);
        f.drift = await driftFigures(backend, cluster, driftNames(mode === 'watch' ? 0 : 1), namespaces.staging, `drift-${mode}`, 120_000);
        log(`scale ${mode}: drift latency ${fmt(f.drift.latency)}${f.drift.missed ? `, ${f.drift.missed} not seen in 120 s` : ''}`);
        // The drift samples set off rollouts in the cluster (a new ReplicaSet and pod each); the GETs wait until it is done.
        f.othersPercentBeforeGets = await othersQuiet(backend);
        f.gets = await profiled(backend, `${mode}-gets`, () => getFiguresBoth(backend!, names, sizes.getRequests));
        log(
          `scale ${mode}: GET workspaces ${fmt(f.gets.workspaces)}, history ${fmt(f.gets.history)}, ${f.gets.requestsPerSecond}/s, ${cpuText(f.gets)}; one client: ${fmt(f.gets.single.workspaces)}`,
        );
      }
      await backend.stop();
      backend = undefined;
    }

    if (ctx.postgres && parts.has('postgres')) {
      log('scale: the fleet again on PostgreSQL, for the GET figures there, watched then polled …');
      const pg = postgresDatabase(ctx.postgres);
      let pgBackend = await startScaleBackend({ database: pg, cluster, entities, namespaces, watch: true });
      try {
        await deployAll(pgBackend, names.flatMap(n => WORKSPACES.map(ws => [n, ws] as [string, string])), 'v1', DEPLOY_CLIENTS);
        figures.postgres = {};
        for (const mode of ['watch', 'poll'] as const) {
          if (mode === 'poll') {
            await pgBackend.stop();
            pgBackend = await startScaleBackend({ database: pg, cluster, entities, namespaces, watch: false });
            // The poller's refresh runs from 10 s after the start, as it would in production.
            await new Promise(r => setTimeout(r, 45_000));
          }
          await othersQuiet(pgBackend);
          const g = await getFiguresBoth(pgBackend, names, sizes.getRequests);
          figures.postgres[mode] = { gets: g };
          log(`scale postgres ${mode}: GET workspaces ${fmt(g.workspaces)}, history ${fmt(g.history)}, ${g.requestsPerSecond}/s, ${cpuText(g)}; one client: ${fmt(g.single.workspaces)}`);
        }
      } finally {
        await pgBackend.stop();
        await pg.dispose();
      }
    }
  } finally {
    await backend?.stop();
    clock.stop();
    await sqlite.dispose();
    for (const ns of Object.values(namespaces)) {
      await kubeApi(cluster, `/api/v1/namespaces/${ns}`, { method: 'DELETE' }).catch(() => {});
    }
  }

  const w = figures.watch;
  const p = figures.poll;
  const size = `${sizes.services} services × 2 workspaces`;
  const beside = (a: string, b: string) => `watched ${a}; polled ${b}`;
  if (w && p) {
    report.add({
      id: 'scale-status-latency',
      benchmark: `status after rollout complete (wave of ${sizes.wave}, ${size})`,
      target: 'p99 < 250 ms',
      measured: beside(fmt(w.wave.latency), fmt(p.wave.latency)),
      pass: w.wave.latency.p99 < 250,
      details: { watch: w.wave, poll: p.wave },
    });
    report.add({
      id: 'scale-drift-latency',
      benchmark: `drift visible after kubectl set image (${size})`,
      target: 'p99 < 2 s',
      measured: beside(fmt(w.drift.latency), fmt(p.drift.latency)),
      pass: w.drift.latency.p99 < 2000 && w.drift.missed === 0,
      details: { watch: w.drift, poll: p.drift },
    });
    report.add({
      id: 'scale-requests-rest',
      benchmark: `Kubernetes API requests at rest (${size})`,
      target: 'independent of the number of services',
      measured: beside(`${w.rest.requestsPerMinute}/min (${w.rest.watchRequestsPerMinute} of them watches)`, `${p.rest.requestsPerMinute}/min`),
      details: { watch: w.rest, poll: p.rest },
    });
    report.add({
      id: 'scale-requests-wave',
      benchmark: `Kubernetes API requests during a wave of ${sizes.wave} deploys`,
      target: 'information',
      measured: beside(`${w.wave.requestsPerMinute}/min (${w.wave.requests} in ${w.wave.seconds} s)`, `${p.wave.requestsPerMinute}/min (${p.wave.requests} in ${p.wave.seconds} s)`),
    });
    report.add({
      id: 'scale-memory',
      benchmark: `backend resident memory at rest (${size})`,
      target: '< 400 MiB',
      measured: beside(`${w.rest.rssMiB} MiB`, `${p.rest.rssMiB} MiB`),
      pass: w.rest.rssMiB < 400,
    });
    report.note(`scale: fleet of ${sizes.services * 2} workspaces deployed through the API in ${figures.fleetSeconds} s by ${DEPLOY_CLIENTS} clients`);
  }
  const engines = [
    ['SQLite', w?.gets, p?.gets, 'the SQLite part was not run (SHIPYARD_BENCH_SCALE_PARTS)'],
    ['PostgreSQL', figures.postgres?.watch.gets, figures.postgres?.poll.gets, ctx.postgresMissing ?? 'the PostgreSQL part was not run (SHIPYARD_BENCH_SCALE_PARTS)'],
  ] as const;
  for (const [engine, watched, polled, missing] of engines) {
    if (!watched || !polled) {
      report.skip(`scale-get-${engine.toLowerCase()}`, `GET …/workspaces, 32 clients, ${engine}`, 'p99 < 20 ms', missing);
      continue;
    }
    report.add({
      id: `scale-get-${engine.toLowerCase()}`,
      benchmark: `GET …/workspaces of one service, 32 clients, ${engine} (${size})`,
      target: 'p99 < 20 ms',
      measured: `${beside(fmt(watched.workspaces), fmt(polled.workspaces))}; ${watched.requestsPerSecond} requests/s watched; one client alone: ${fmt(watched.single.workspaces)}`,
      pass: watched.workspaces.p99 < 20 && watched.errors === 0,
      details: { watch: watched, poll: polled },
    });
    report.add({
      id: `scale-history-${engine.toLowerCase()}`,
      benchmark: `GET history page (50), 32 clients, ${engine} (${size})`,
      target: 'information (DESIGN §10: p99 < 5 ms for one client)',
      measured: beside(fmt(watched.history), fmt(polled.history)),
    });
  }
}
