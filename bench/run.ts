/*
 * The benchmarks of DESIGN §10, run by `npm run bench` (scripts/bench.mjs
 * starts PostgreSQL and the local cluster and passes them in the
 * environment). Prints a table and writes bench-results/latest.json.
 *
 *   SHIPYARD_BENCH_ONLY=plan,history,concurrency,deploy,scale   run a subset
 *   SHIPYARD_BENCH_QUICK=true                              small sizes, a smoke run
 */
import { join, resolve } from 'node:path';
import { concurrencyBench } from './concurrency.bench';
import { deployBench } from './deploy.bench';
import { historyBench } from './history.bench';
import { BenchContext } from './lib/context';
import { readCluster } from './lib/kube';
import { Report } from './lib/report';
import { planBench } from './plan.bench';
import { scaleBench } from './scale.bench';

const root = resolve(__dirname, '..');
const env = process.env;
const quick = env.SHIPYARD_BENCH_QUICK === 'true';
const only = (env.SHIPYARD_BENCH_ONLY ?? '').split(',').map(s => s.trim()).filter(Boolean);

const benchmarks: Array<[string, (ctx: BenchContext) => Promise<void>]> = [
  ['plan', planBench],
  ['history', historyBench],
  ['concurrency', concurrencyBench],
  ['deploy', deployBench],
  ['scale', scaleBench],
];

async function main() {
  const report = new Report();
  const log = (message: string) => {
    // eslint-disable-next-line no-console
    console.log(`[bench] ${message}`);
  };
  const ctx: BenchContext = {
    report,
    log,
    cluster: env.SHIPYARD_BENCH_CLUSTER_FILE ? readCluster(env.SHIPYARD_BENCH_CLUSTER_FILE) : undefined,
    clusterMissing: env.SHIPYARD_BENCH_CLUSTER_MISSING ?? 'no local cluster (run through npm run bench)',
    helm: env.SHIPYARD_BENCH_HELM || undefined,
    helmMissing: env.SHIPYARD_BENCH_HELM_MISSING ?? 'helm not built (tools/local-cluster/cluster.sh build-helm)',
    kubectl: env.SHIPYARD_BENCH_KUBECTL ?? 'kubectl',
    postgres: env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING || undefined,
    postgresMissing: env.SHIPYARD_BENCH_POSTGRES_MISSING ?? 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is not set',
    sizes: quick
      ? {
          historyVersions: 500,
          historySamples: 200,
          helmHistoryRuns: 2,
          deployIterations: 2,
          planTypicalIterations: 1000,
          planLargeIterations: 50,
          concurrentDeploys: 64,
          mixedOperations: 200,
          mixedServices: 20,
          mixedClients: 32,
        }
      : {
          historyVersions: 10_000,
          historySamples: 2_000,
          helmHistoryRuns: 5,
          deployIterations: 10,
          planTypicalIterations: 10_000,
          planLargeIterations: 500,
          concurrentDeploys: 64,
          mixedOperations: 1_000,
          mixedServices: 20,
          mixedClients: 32,
        },
    chartDir: join(root, 'bench', 'chart'),
  };
  if (quick) report.note('quick run (SHIPYARD_BENCH_QUICK=true): reduced sizes, not the sizes of DESIGN §10');

  for (const [name, run] of benchmarks) {
    if (only.length && !only.includes(name)) continue;
    log(`— ${name} —`);
    try {
      await run(ctx);
    } catch (error) {
      report.add({
        id: `${name}-error`,
        benchmark: `${name} benchmark`,
        target: 'runs to the end',
        measured: `error: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300),
        pass: false,
        details: { stack: error instanceof Error ? error.stack : undefined },
      });
    }
  }

  const file = join(root, 'bench-results', 'latest.json');
  report.write(file, {
    quick,
    only,
    cluster: ctx.cluster ? { name: ctx.cluster.name, url: ctx.cluster.url } : { missing: ctx.clusterMissing },
    helm: ctx.helm ?? { missing: ctx.helmMissing },
    postgres: ctx.postgres ? 'PostgreSQL 15 (Debian), local' : { missing: ctx.postgresMissing },
    versions: env.SHIPYARD_BENCH_VERSIONS ? JSON.parse(env.SHIPYARD_BENCH_VERSIONS) : undefined,
  });
  const { passed, failed, skipped } = report.summary();
  // eslint-disable-next-line no-console
  console.log(`\n${report.table()}\n\n${passed} passed, ${failed} failed, ${skipped} skipped; JSON in ${file}`);
  process.exit(failed ? 1 : 0);
}

main().catch(error => {
  // eslint-disable-next-line no-console
  console.error(error);
  process.exit(2);
});
