#!/usr/bin/env node
/*
 * npm run bench: the benchmarks of DESIGN §10 (bench/run.ts), side by side in
 * one run on this machine and one local cluster. Starts what they need:
 * PostgreSQL, a local Kubernetes control plane of its own ("bench", ports
 * 27000+, so benchmarks neither disturb nor are disturbed by the tests on the
 * default cluster) and helm. A missing prerequisite skips its rows with the
 * reason printed; in CI it is an error.
 *
 *   npm run bench                       everything, at the sizes of DESIGN §10
 *   npm run bench -- --quick            small sizes, a smoke run
 *   npm run bench -- plan history       a subset: plan, history, concurrency, deploy, scale
 *   npm run bench -- scale              issue 12: a fleet watched and polled (SHIPYARD_BENCH_SCALE_SERVICES,
 *                                       default 1000; _WAVE 100; _DRIFT 30; _REST_SECONDS 60; _GETS 4000;
 *                                       _PARTS sqlite,postgres; _PROFILE <dir> for CPU profiles)
 *
 * Environment: SHIPYARD_BENCH_CLUSTER (default bench), SHIPYARD_BENCH_PORT_BASE
 * (default 27000), SHIPYARD_BENCH_KEEP_CLUSTER=true leaves a cluster this
 * script started running. The cluster's state (with the Helm release of the
 * history benchmark) is kept between runs; `cluster.sh stop bench --purge`
 * removes it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureCluster, ensureDependencies, ensurePostgres, inCI, root, say } from './lib/services.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter(a => !a.startsWith('--'));
const clusterName = process.env.SHIPYARD_BENCH_CLUSTER ?? 'bench';
const portBase = process.env.SHIPYARD_BENCH_PORT_BASE ?? '27000';
const clusterScript = join(root, 'tools', 'local-cluster', 'cluster.sh');
const binDir = join(process.env.SHIPYARD_CACHE ?? join(homedir(), '.cache', 'shipyard'), 'local-cluster', 'bin');
const needs = part => only.length === 0 || only.includes(part);

ensureDependencies();
const env = { ...process.env, SHIPYARD_BENCH_QUICK: String(quick), SHIPYARD_BENCH_ONLY: only.join(',') };

if (needs('history') || needs('concurrency') || needs('scale')) {
  const postgres = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
  if (ensurePostgres()) env[postgres] = process.env[postgres];
  else env.SHIPYARD_BENCH_POSTGRES_MISSING = 'PostgreSQL could not be started (scripts/postgres.sh)';
}

let startedCluster = false;
if (needs('history') || needs('deploy') || needs('scale')) {
  const wasRunning = spawnSync('bash', [clusterScript, 'status', clusterName], { stdio: 'ignore' }).status === 0;
  const clusterFile = ensureCluster(clusterName, portBase);
  if (clusterFile) {
    startedCluster = !wasRunning;
    env.SHIPYARD_BENCH_CLUSTER_FILE = clusterFile;
    env.SHIPYARD_BENCH_KUBECTL = join(binDir, 'kubectl');
    say(`Benchmarks run on local cluster '${clusterName}'${startedCluster ? ' (started for this run)' : ''}`);
  } else {
    env.SHIPYARD_BENCH_CLUSTER_MISSING = `local cluster '${clusterName}' could not be started (tools/local-cluster/cluster.sh)`;
  }

  const helm = join(binDir, 'helm');
  if (!existsSync(helm)) {
    say('Building helm for the comparison (cluster.sh build-helm, cached) …');
    spawnSync('bash', [clusterScript, 'build-helm'], { cwd: root, stdio: 'inherit' });
  }
  if (existsSync(helm)) {
    env.SHIPYARD_BENCH_HELM = helm;
  } else {
    const reason = `helm is missing in ${binDir} and cluster.sh build-helm did not build it`;
    if (inCI) throw new Error(reason);
    env.SHIPYARD_BENCH_HELM_MISSING = reason;
  }
}

const versionOf = (binary, versionArgs) => {
  const result = spawnSync(binary, versionArgs, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
};
env.SHIPYARD_BENCH_VERSIONS = JSON.stringify({
  node: process.version,
  helm: env.SHIPYARD_BENCH_HELM ? versionOf(env.SHIPYARD_BENCH_HELM, ['version', '--short']) : undefined,
  kubectl: env.SHIPYARD_BENCH_KUBECTL ? versionOf(env.SHIPYARD_BENCH_KUBECTL, ['version', '--client']) : undefined,
  cluster: existsSync(join(binDir, 'VERSIONS')) ? readFileSync(join(binDir, 'VERSIONS'), 'utf8').trim().split('\n').join(', ') : undefined,
});

const load = loadavg()[0];
if (load > cpus().length) {
  say(`Load average ${load.toFixed(1)} on ${cpus().length} cores: other work competes for the CPU, latencies will be inflated (recorded in the JSON)`);
}

const child = spawn(
  process.execPath,
  ['--require', createRequire(import.meta.url).resolve('@backstage/cli/config/nodeTransform.cjs'), join(root, 'bench', 'run.ts')],
  { cwd: root, env, stdio: 'inherit' },
);
const code = await new Promise(resolve => child.on('close', (status, signal) => resolve(status ?? (signal ? 1 : 0))));

if (startedCluster && process.env.SHIPYARD_BENCH_KEEP_CLUSTER !== 'true') {
  say(`Stopping local cluster '${clusterName}' (its state is kept for the next run)`);
  spawnSync('bash', [clusterScript, 'stop', clusterName], { cwd: root, stdio: 'inherit' });
}
process.exit(code);
