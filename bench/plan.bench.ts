import {
  defaultPromotionRules,
  EnvValue,
  planPromotion,
  PlanPromotionInput,
  ServiceSpec,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { BenchContext } from './lib/context';
import { formatMs, seededRandom, since, summarize } from './lib/stats';

/*
 * DESIGN §10: a promotion plan in under 2 ms for a typical spec and under
 * 50 ms with 2,000 env vars. planPromotion is pure, so this times the
 * function itself, as the backend, the UI preview and the scaffolder call it.
 */

const workspace = (name: string, tier: number): Workspace => ({
  name,
  environment: name,
  tier,
  cluster: 'local',
  namespace: `shipyard-${name}`,
  protected: tier === 2,
  autoRollback: false,
});
const staging = workspace('staging', 1);
const prod = workspace('prod', 2);

/** Staging and prod of one service as teams run them: a few env vars, probes, sizing, labels. */
const typicalSource: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.5.0',
  command: ['node'],
  args: ['server.js', '--new-flag'],
  ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
  env: {
    LOG_LEVEL: 'debug',
    DB_URL: 'postgres://staging-db/payments',
    DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
    FLAGS: { configMapKeyRef: { name: 'flags', key: 'payments' } },
    NEW_FLAG: 'on',
    NEW_SECRET: { secretKeyRef: { name: 'payments-stripe', key: 'token' } },
    SAME: 'same',
  },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  autoscaling: { minReplicas: 1, maxReplicas: 2, targetCPUUtilizationPercentage: 80 },
  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
  labels: { team: 'payments', tier: 'backend' },
  annotations: { 'example.com/owner': 'alice' },
};
const typicalTarget: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.4.2',
  command: ['node'],
  args: ['server.js'],
  ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
  env: {
    LOG_LEVEL: 'info',
    DB_URL: 'postgres://prod-db/payments',
    DB_PASSWORD: { secretKeyRef: { name: 'payments-db-prod', key: 'password' } },
    FLAGS: { configMapKeyRef: { name: 'flags', key: 'payments' } },
    OLD_KEY: 'legacy',
    SAME: 'same',
  },
  resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
  autoscaling: { minReplicas: 4, maxReplicas: 20, targetCPUUtilizationPercentage: 70 },
  readinessProbe: { httpGet: { path: '/health', port: 'http' } },
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
  labels: { team: 'payments-oncall', region: 'eu' },
};

/**
 * 2,000 env vars in the source: 1,950 the target has too (a third with other
 * values, some of them references), 50 new ones; the target also has 30 the
 * source dropped.
 */
function largeSpecs(): { source: ServiceSpec; target: ServiceSpec } {
  const random = seededRandom(2000);
  const sourceEnv: Record<string, EnvValue> = {};
  const targetEnv: Record<string, EnvValue> = {};
  for (let i = 0; i < 2000; i++) {
    const key = `VAR_${String(i).padStart(4, '0')}`;
    const value: EnvValue =
      i % 10 === 0
        ? { secretKeyRef: { name: `secret-${i % 17}`, key: `key-${i}` } }
        : i % 10 === 1
          ? { configMapKeyRef: { name: `config-${i % 13}`, key: `key-${i}` } }
          : `value-${i}-${Math.floor(random() * 1e9)}`;
    sourceEnv[key] = value;
    if (i < 1950) {
      targetEnv[key] = random() < 1 / 3 ? `prod-${i}` : value;
    }
  }
  for (let i = 0; i < 30; i++) targetEnv[`GONE_${i}`] = `legacy-${i}`;
  return {
    source: { ...typicalSource, env: sourceEnv },
    target: { ...typicalTarget, env: targetEnv },
  };
}

function measure(input: PlanPromotionInput, warmup: number, iterations: number) {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += planPromotion(input).changes.length;
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    const plan = planPromotion(input);
    samples.push(since(start));
    sink += plan.changes.length;
  }
  const plan = planPromotion(input);
  return { summary: summarize(samples), sink, plan };
}

export async function planBench(ctx: BenchContext) {
  const { report, sizes } = ctx;
  const base = { service: 'component:default/payments', rules: defaultPromotionRules };

  const typical = measure(
    { ...base, source: { workspace: staging, version: 7, spec: typicalSource }, target: { workspace: prod, version: 3, spec: typicalTarget } },
    1000,
    sizes.planTypicalIterations,
  );
  report.add({
    id: 'plan-typical',
    benchmark: 'Promotion plan, typical spec (7 env vars, probes, sizing, labels)',
    target: 'p99 < 2 ms',
    measured: `p50 ${formatMs(typical.summary.p50)}, p99 ${formatMs(typical.summary.p99)} (n=${typical.summary.n}; ${typical.plan.changes.length} changes)`,
    pass: typical.summary.p99 < 2,
    details: { ...typical.summary, changes: typical.plan.changes.length, blockers: typical.plan.blockers.length },
  });

  const { source, target } = largeSpecs();
  const large = measure(
    { ...base, source: { workspace: staging, version: 7, spec: source }, target: { workspace: prod, version: 3, spec: target } },
    20,
    sizes.planLargeIterations,
  );
  const needsInput = large.plan.changes.filter(c => c.action === 'needs-input').length;
  report.add({
    id: 'plan-2000-env',
    benchmark: 'Promotion plan, 2,000 env vars (50 new, 30 removed, 650 differing)',
    target: 'p99 < 50 ms',
    measured: `p50 ${formatMs(large.summary.p50)}, p99 ${formatMs(large.summary.p99)} (n=${large.summary.n}; ${large.plan.changes.length} changes, ${needsInput} need input)`,
    pass: large.summary.p99 < 50,
    details: { ...large.summary, changes: large.plan.changes.length, needsInput },
  });
}
