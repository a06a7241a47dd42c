/*
 * What `npm start`, `npm test` and `npm run bench` need around the code:
 * dependencies, PostgreSQL, the local Kubernetes control plane, Chromium.
 * In CI (CI=true) a missing service is an error; on a laptop it is skipped
 * with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const inCI = process.env.CI === 'true' || process.env.CI === '1';
const clusterScript = join(root, 'tools', 'local-cluster', 'cluster.sh');
const cacheRoot = process.env.SHIPYARD_CACHE ?? join(homedir(), '.cache', 'shipyard');
const clusterStateRoot =
  process.env.SHIPYARD_CLUSTER_STATE ?? join(cacheRoot, 'local-cluster', 'state');

export function say(message) {
  console.log(`\x1b[36m[shipyard]\x1b[0m ${message}`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result;
}

/** Installs the npm dependencies when they are missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker)) return;
  say('Installing dependencies (npm ci) …');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Starts Debian's PostgreSQL and sets the connection string the store tests read. */
export function ensurePostgres() {
  const variable = 'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING';
  if (process.env[variable]) return true;
  const result = spawnSync('bash', [join(root, 'scripts', 'postgres.sh')], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status === 0 && result.stdout.trim()) {
    process.env[variable] = result.stdout.trim().split('\n').pop();
    say(`PostgreSQL: ${process.env[variable].replace(/:[^:@]*@/, ':***@')}`);
    return true;
  }
  const reason = `PostgreSQL could not be started (scripts/postgres.sh exited ${result.status})`;
  if (inCI) throw new Error(reason);
  say(`${reason}: the PostgreSQL cases are skipped; SQLite still runs.`);
  return false;
}

/** Builds (cached) and starts a local cluster; returns its cluster.json, or undefined when skipped. */
export function ensureCluster(name = 'default', portBase) {
  const stateFile = join(clusterStateRoot, name, 'cluster.json');
  const status = spawnSync('bash', [clusterScript, 'status', name], { cwd: root, stdio: 'ignore' });
  if (status.status === 0 && existsSync(stateFile)) return stateFile;
  try {
    run('bash', [clusterScript, 'build']);
    run('bash', [clusterScript, 'start', name, ...(portBase ? ['--port-base', String(portBase)] : [])]);
  } catch (error) {
    if (inCI) throw error;
    say(`The local Kubernetes control plane is not available (${error.message}): cluster suites are skipped.`);
    return undefined;
  }
  return stateFile;
}

export function readCluster(stateFile) {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

/**
 * An app-config overlay that registers a local cluster with the Kubernetes
 * plugin, the only cluster configuration Shipyard reads.
 */
export function writeClusterConfig(clusters) {
  const dir = join(root, '.cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'app-config.local-cluster.yaml');
  const entries = clusters
    .map(
      ({ name, info }) => `        - name: ${name}
          url: ${info.url}
          authProvider: serviceAccount
          serviceAccountToken: ${info.token}
          caData: ${info.caData}
          # kwok nodes have no metrics API; without this the Kubernetes tab warns about it.
          skipMetricsLookup: true`,
    )
    .join('\n');
  writeFileSync(
    file,
    `# Written by scripts/lib/services.mjs for the local control plane; do not edit.
kubernetes:
  serviceLocatorMethod:
    type: multiTenant
  clusterLocatorMethods:
    - type: config
      clusters:
${entries}
`,
  );
  return file;
}

/** True when Debian's Chromium (for the browser tests) is installed. */
export function hasChromium() {
  return existsSync(process.env.SHIPYARD_CHROMIUM ?? '/usr/bin/chromium');
}

/** Waits until `url` answers at all (any HTTP status). */
export async function waitForHttp(url, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(5000) });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000}s: ${error.message}`);
      await new Promise(r => setTimeout(r, 1000));
    }
  }
}
