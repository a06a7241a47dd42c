import { renderManifests, ServiceSpec, Workspace } from '@shipyard/backstage-plugin-common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { BenchContext } from './lib/context';
import { component, ShipyardBackend, sqliteDatabase, startShipyardBackend, BenchDatabase } from './lib/backend';
import { ensureNamespace, kubeApi, LocalCluster, runCommand } from './lib/kube';
import { RolloutClock } from './lib/rolloutClock';
import { formatMs, round, summarize, Summary } from './lib/stats';

/*
 * DESIGN §10: deploy and rollback, each to a completed rollout, no slower
 * than `helm upgrade --wait` / `helm rollback --wait`, and within 1.2× of
 * `kubectl apply --server-side` + `kubectl rollout status` of the same
 * manifests. Every tool deploys the same Deployment + Service (2 replicas)
 * into its own namespace of the same local cluster; the tools take turns,
 * in a rotating order, and every operation changes the pod template, so
 * each one is a real rollout.
 */

const NAME = 'bench-app';
const ENTITY_REF = 'component:default/bench-app';
const SERVICE = `/api/shipyard/services/component/default/${NAME}`;
const TUNED_POLL_MS = 100;

export const deploySpec = (tag: string): ServiceSpec => ({
  image: `ghcr.io/acme/bench-app:${tag}`,
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info', DB_URL: 'postgres://db/bench' },
  replicas: 2,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
});

const workspaceIn = (namespace: string): Workspace => ({
  name: 'bench',
  environment: 'dev',
  tier: 0,
  cluster: 'bench',
  namespace,
  protected: false,
  autoRollback: false,
});

interface OpResult {
  ms: number;
  parts: Record<string, number>;
}

interface Tool {
  key: string;
  label: string;
  namespace: string;
  prepare(baseTag: string): Promise<void>;
  deploy(tag: string): Promise<OpResult>;
  rollback(): Promise<OpResult>;
  dispose(): Promise<void>;
}

const msBetween = (from?: string, to?: string) => (from && to ? Date.parse(to) - Date.parse(from) : NaN);

async function shipyardTool(
  cluster: LocalCluster,
  key: string,
  label: string,
  namespace: string,
  pollMs: number | undefined,
): Promise<Tool> {
  const database: BenchDatabase = sqliteDatabase();
  const backend: ShipyardBackend = await startShipyardBackend({
    database,
    entities: [component(NAME, { 'shipyard/workspaces': 'bench' })],
    shipyard: {
      ...(pollMs ? { rolloutPollMilliseconds: pollMs } : {}),
      workspaces: [{ name: 'bench', environment: 'dev', cluster: 'bench', namespace }],
    },
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            { name: 'bench', url: cluster.url, authProvider: 'serviceAccount', serviceAccountToken: cluster.token, caData: cluster.caData },
          ],
        },
      ],
    },
  });
  let current = 0;
  let beforeDeploy = 0;
  const finish = (res: { status: number; body: any }, ms: number): OpResult => {
    if (res.status !== 201 || res.body.status !== 'succeeded') {
      throw new Error(`${label}: ${res.status} ${res.body?.status} ${res.body?.statusMessage ?? JSON.stringify(res.body)}`);
    }
    current = res.body.number;
    return {
      ms,
      parts: {
        applyMs: msBetween(res.body.createdAt, res.body.appliedAt),
        followMs: msBetween(res.body.appliedAt, res.body.finishedAt),
      },
    };
  };
  const timedCall = async (path: string, body: unknown) => {
    const start = RolloutClock.now();
    const res = await backend.call('POST', path, body);
    return { res, ms: RolloutClock.now() - start };
  };
  return {
    key,
    label,
    namespace,
    async prepare(baseTag) {
      const { res, ms } = await timedCall(`${SERVICE}/workspaces/bench/versions?wait=true`, { spec: deploySpec(baseTag) });
      finish(res, ms);
    },
    async deploy(tag) {
      beforeDeploy = current;
      const { res, ms } = await timedCall(`${SERVICE}/workspaces/bench/versions?wait=true`, {
        spec: deploySpec(tag),
        message: `deploy ${tag}`,
      });
      return finish(res, ms);
    },
    async rollback() {
      const { res, ms } = await timedCall(`${SERVICE}/workspaces/bench/versions/${beforeDeploy}/rollback?wait=true`, {
        reason: 'bench',
      });
      return finish(res, ms);
    },
    async dispose() {
      await backend.stop();
      await database.dispose();
    },
  };
}

function helmTool(cluster: LocalCluster, helm: string, chart: string, namespace: string): Tool {
  const kube = ['--kubeconfig', cluster.kubeconfig, '--namespace', namespace];
  let revision = 0;
  return {
    key: 'helm',
    label: 'helm',
    namespace,
    async prepare(baseTag) {
      await runCommand(helm, ['uninstall', NAME, ...kube, '--wait', '--ignore-not-found'], { check: false });
      await runCommand(helm, ['upgrade', NAME, chart, '--install', '--wait', '--timeout', '5m', ...kube, '--set', `image.tag=${baseTag}`]);
      revision = 1;
    },
    async deploy(tag) {
      const result = await runCommand(helm, ['upgrade', NAME, chart, '--install', '--wait', '--timeout', '5m', ...kube, '--set', `image.tag=${tag}`]);
      revision++;
      return { ms: result.ms, parts: {} };
    },
    async rollback() {
      const result = await runCommand(helm, ['rollback', NAME, String(revision - 1), '--wait', '--timeout', '5m', ...kube]);
      revision++;
      return { ms: result.ms, parts: {} };
    },
    async dispose() {},
  };
}

function kubectlTool(cluster: LocalCluster, kubectl: string, namespace: string): Tool {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-bench-kubectl-'));
  let version = 0;
  let currentTag = '';
  let tagBeforeDeploy = '';
  const applyAndWait = async (tag: string): Promise<OpResult> => {
    version++;
    const manifests = renderManifests({ entityRef: ENTITY_REF, name: NAME, workspace: workspaceIn(namespace), version, spec: deploySpec(tag) });
    const file = join(dir, `v${version}.yaml`);
    writeFileSync(file, manifests.map(m => stringify(m)).join('---\n'));
    const apply = await runCommand(kubectl, ['--kubeconfig', cluster.kubeconfig, 'apply', '--server-side', '--field-manager=bench-kubectl', '-f', file]);
    const status = await runCommand(kubectl, ['--kubeconfig', cluster.kubeconfig, 'rollout', 'status', `deployment/${NAME}`, '-n', namespace, '--timeout=5m']);
    currentTag = tag;
    return { ms: apply.ms + status.ms, parts: { applyMs: apply.ms, rolloutStatusMs: status.ms } };
  };
  return {
    key: 'kubectl',
    label: 'kubectl',
    namespace,
    async prepare(baseTag) {
      await applyAndWait(baseTag);
    },
    async deploy(tag) {
      tagBeforeDeploy = currentTag;
      return applyAndWait(tag);
    },
    async rollback() {
      return applyAndWait(tagBeforeDeploy);
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freshNamespace(cluster: LocalCluster, namespace: string) {
  await ensureNamespace(cluster, namespace);
  for (const path of [`/apis/apps/v1/namespaces/${namespace}/deployments/${NAME}`, `/api/v1/namespaces/${namespace}/services/${NAME}`]) {
    await kubeApi(cluster, path, { method: 'DELETE', body: { propagationPolicy: 'Foreground' } });
  }
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const sa = await kubeApi(cluster, `/api/v1/namespaces/${namespace}/serviceaccounts/default`);
    const pods = await kubeApi(cluster, `/api/v1/namespaces/${namespace}/pods?labelSelector=app.kubernetes.io%2Fname%3D${NAME}`);
    const deployment = await kubeApi(cluster, `/apis/apps/v1/namespaces/${namespace}/deployments/${NAME}`);
    if (sa && !deployment && pods.items.length === 0) return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`namespace ${namespace} did not become empty and ready`);
}

interface Measurements {
  total: number[];
  rollout: number[];
  overhead: number[];
  parts: Record<string, number[]>;
}

const empty = (): Measurements => ({ total: [], rollout: [], overhead: [], parts: {} });

/** The equivalence of the three tools' objects: the chart renders what renderManifests renders. */
async function checkChartEquivalence(helm: string, chart: string) {
  const rendered = (await runCommand(helm, ['template', NAME, chart, '--namespace', 'bench-x', '--set', 'image.tag=2.0.7', '--is-upgrade'])).stdout;
  const fromHelm = parseAllDocuments(rendered).map(d => d.toJSON()).filter(Boolean);
  const fromShipyard = renderManifests({ entityRef: ENTITY_REF, name: NAME, workspace: workspaceIn('bench-x'), version: 1, spec: deploySpec('2.0.7') });
  const normalize = (o: any) => {
    const copy = JSON.parse(JSON.stringify(o));
    delete copy.metadata.namespace;
    for (const labels of [copy.metadata.labels, copy.spec?.template?.metadata?.labels]) {
      if (labels) delete labels['app.kubernetes.io/managed-by'];
    }
    return JSON.stringify(copy, Object.keys(flatten(copy)).sort());
  };
  for (const kind of ['Deployment', 'Service']) {
    const a = fromHelm.find((o: any) => o.kind === kind);
    const b = fromShipyard.find(o => o.kind === kind);
    if (!a || !b || normalize(a) !== normalize(b)) {
      throw new Error(`bench/chart renders a different ${kind} than renderManifests:\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);
    }
  }
}

function flatten(value: any, out: Record<string, true> = {}): Record<string, true> {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out[k] = true;
      flatten(v, out);
    }
  }
  return out;
}

export async function deployBench(ctx: BenchContext) {
  const { report, sizes, log } = ctx;
  const ops = ['deploy', 'rollback'] as const;
  const names = {
    deploy: {
      helm: 'Deploy: helm upgrade --install --wait',
      kubectl: 'Deploy: kubectl apply --server-side + rollout status',
      shipyard: 'Deploy: Shipyard POST …/versions?wait=true, default poll (1000 ms)',
      'shipyard-tuned': `Deploy: Shipyard, rolloutPollMilliseconds ${TUNED_POLL_MS}`,
    },
    rollback: {
      helm: 'Rollback: helm rollback --wait',
      kubectl: 'Rollback: kubectl apply --server-side + rollout status (previous spec)',
      shipyard: 'Rollback: Shipyard POST …/rollback?wait=true, default poll (1000 ms)',
      'shipyard-tuned': `Rollback: Shipyard, rolloutPollMilliseconds ${TUNED_POLL_MS}`,
    },
  } as const;
  const target = '≤ helm p50 and ≤ 1.2× kubectl p50';

  if (!ctx.cluster) {
    for (const op of ops) {
      for (const [key, name] of Object.entries(names[op])) {
        report.skip(`${op}-${key}`, name, key.startsWith('shipyard') ? target : 'reference', ctx.clusterMissing ?? 'no cluster');
      }
    }
    return;
  }
  const cluster = ctx.cluster;
  const leases = await kubeApi(cluster, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
  const nodeLeases = leases?.items?.length ?? 0;
  report.note(
    nodeLeases
      ? `cluster '${cluster.name}': kwok renews ${nodeLeases} node Leases, so nodes stay Ready`
      : `cluster '${cluster.name}': nodes have no Lease heartbeat (kwok without --node-lease-duration-seconds); the controller manager marks them NotReady every few minutes, which can stall rollouts in this benchmark`,
  );

  const tools: Tool[] = [
    await shipyardTool(cluster, 'shipyard', 'Shipyard', 'bench-shipyard', undefined),
    await shipyardTool(cluster, 'shipyard-tuned', `Shipyard (poll ${TUNED_POLL_MS} ms)`, 'bench-shipyard-tuned', TUNED_POLL_MS),
    kubectlTool(cluster, ctx.kubectl, 'bench-kubectl'),
  ];
  if (ctx.helm) {
    await checkChartEquivalence(ctx.helm, ctx.chartDir);
    tools.push(helmTool(cluster, ctx.helm, ctx.chartDir, 'bench-helm'));
  }
  const results: Record<string, Record<string, Measurements>> = { deploy: {}, rollback: {} };
  const startedAt = Date.now();
  const clocks = new Map<string, RolloutClock>();
  try {
    for (const tool of tools) {
      await freshNamespace(cluster, tool.namespace);
      clocks.set(tool.key, new RolloutClock(cluster, tool.namespace, NAME).start());
      await tool.prepare('2.0.0');
      results.deploy[tool.key] = empty();
      results.rollback[tool.key] = empty();
    }
    log(`deploy/rollback: ${sizes.deployIterations} rounds of ${tools.map(t => t.label).join(', ')}`);
    for (let i = 1; i <= sizes.deployIterations; i++) {
      const order = tools.map((_, k) => tools[(k + i) % tools.length]);
      for (const tool of order) {
        for (const op of ops) {
          await new Promise(r => setTimeout(r, 500));
          const start = RolloutClock.now();
          const result = op === 'deploy' ? await tool.deploy(`2.0.${i}`) : await tool.rollback();
          const live = await kubeApi(cluster, `/apis/apps/v1/namespaces/${tool.namespace}/deployments/${NAME}`);
          const completedAt = await clocks.get(tool.key)!.completion(live.metadata.generation);
          const m = results[op][tool.key];
          m.total.push(result.ms);
          if (completedAt !== undefined && completedAt >= start) {
            m.rollout.push(completedAt - start);
            m.overhead.push(result.ms - (completedAt - start));
          }
          for (const [part, value] of Object.entries(result.parts)) {
            if (Number.isFinite(value)) (m.parts[part] ??= []).push(value);
          }
          const expected = op === 'deploy' ? `2.0.${i}` : '2.0.0';
          const image = live.spec.template.spec.containers[0].image;
          if (image !== `ghcr.io/acme/bench-app:${expected}`) {
            throw new Error(`${tool.label} ${op}: live image is ${image}, expected tag ${expected}`);
          }
        }
      }
      log(`  round ${i}: ${tools.map(t => `${t.label} ${formatMs(results.deploy[t.key].total.at(-1)!)}/${formatMs(results.rollback[t.key].total.at(-1)!)}`).join(', ')}`);
    }
  } finally {
    for (const clock of clocks.values()) clock.stop();
    for (const tool of tools) await tool.dispose();
  }

  // Nodes that look NotReady to the controller manager stall rollouts: such a run is not a fair comparison.
  const events = await kubeApi(cluster, '/api/v1/events?fieldSelector=reason%3DNodeNotReady');
  const flaps = (events?.items ?? []).filter(
    (e: any) => Date.parse(e.lastTimestamp ?? e.eventTime ?? 0) >= startedAt - 1000,
  ).length;
  if (flaps) {
    report.note(`${flaps} NodeNotReady events on cluster '${cluster.name}' during the deploy benchmark: rollouts may have stalled`);
  }

  for (const op of ops) {
    const stats: Record<string, { total: Summary; rollout?: Summary; overhead?: Summary; parts: Record<string, Summary> }> = {};
    for (const tool of tools) {
      const m = results[op][tool.key];
      stats[tool.key] = {
        total: summarize(m.total),
        rollout: m.rollout.length ? summarize(m.rollout) : undefined,
        overhead: m.overhead.length ? summarize(m.overhead) : undefined,
        parts: Object.fromEntries(Object.entries(m.parts).map(([k, v]) => [k, summarize(v)])),
      };
    }
    const describe = (key: string) => {
      const s = stats[key];
      const split = s.rollout && s.overhead ? ` (rollout done at ${formatMs(s.rollout.p50)}, returned +${formatMs(Math.max(0, s.overhead.p50))})` : '';
      return `p50 ${formatMs(s.total.p50)}, p90 ${formatMs(s.total.p90)}${split}`;
    };
    for (const key of ['helm', 'kubectl']) {
      if (!stats[key]) {
        report.skip(`${op}-${key}`, names[op][key as 'helm'], 'reference', ctx.helmMissing ?? 'helm unavailable');
        continue;
      }
      report.add({ id: `${op}-${key}`, benchmark: names[op][key as 'helm' | 'kubectl'], target: 'reference', measured: describe(key), details: stats[key] });
    }
    for (const key of ['shipyard', 'shipyard-tuned'] as const) {
      const s = stats[key];
      const vsKubectl = s.total.p50 / stats.kubectl.total.p50;
      const vsHelm = stats.helm ? s.total.p50 / stats.helm.total.p50 : undefined;
      const pass = vsKubectl <= 1.2 && (vsHelm === undefined || vsHelm <= 1);
      report.add({
        id: `${op}-${key}`,
        benchmark: names[op][key],
        target,
        measured: `${describe(key)}; ${vsHelm === undefined ? 'helm n/a' : `${round(vsHelm, 2)}× helm`}, ${round(vsKubectl, 2)}× kubectl`,
        pass,
        details: { ...s, ratioToHelmP50: vsHelm === undefined ? null : round(vsHelm, 3), ratioToKubectlP50: round(vsKubectl, 3) },
      });
    }
  }
}
