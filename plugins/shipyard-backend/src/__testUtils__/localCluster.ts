import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** What tools/local-cluster/cluster.sh writes to `<state>/<name>/cluster.json`. */
export interface LocalCluster {
  name: string;
  url: string;
  caData: string;
  token: string;
  kubeconfig: string;
}

// Test helpers run from source, where the repository root is four levels up.
// eslint-disable-next-line no-restricted-syntax
const repoRoot = resolve(__dirname, '../../../..');
const clusterScript = join(repoRoot, 'tools', 'local-cluster', 'cluster.sh');

/**
 * The local control plane `npm test` started (`SHIPYARD_TEST_CLUSTER`, and
 * `SHIPYARD_TEST_CLUSTER_2` for the second one), or undefined with the reason
 * printed. In CI a missing cluster is an error, never a skip.
 */
export function localCluster(which: 1 | 2 | 'scale' = 1): LocalCluster | undefined {
  // `scale` is a cluster of its own that the watch tests may restart and compact.
  const variable = { 1: 'SHIPYARD_TEST_CLUSTER', 2: 'SHIPYARD_TEST_CLUSTER_2', scale: 'SHIPYARD_TEST_CLUSTER_SCALE' }[which];
  const file = process.env[variable];
  if (!file) {
    const reason = `${variable} is not set: start the local control plane with npm test (or tools/local-cluster/cluster.sh start)`;
    if (process.env.SHIPYARD_REQUIRE_SERVICES === 'true' || process.env.CI === 'true') {
      throw new Error(reason);
    }
    // eslint-disable-next-line no-console
    console.warn(`Cluster tests skipped: ${reason}`);
    return undefined;
  }
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Runs the project's cluster script, e.g. `stop-apiserver default`. */
export function clusterScriptRun(...args: string[]): string {
  const result = spawnSync('bash', [clusterScript, ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`cluster.sh ${args.join(' ')} failed: ${result.stderr}`);
  }
  return result.stdout;
}

/** kubectl against a local cluster, as a user would change things by hand. */
export function kubectl(cluster: LocalCluster, ...args: string[]): string {
  return clusterScriptRun('kubectl', cluster.name, '--', ...args);
}

/** A raw API call to a local cluster with its admin token. */
export async function kubeApi(cluster: LocalCluster, path: string, init: RequestInit = {}): Promise<any> {
  const undici = await import('undici');
  const dispatcher = new undici.Agent({ connect: { ca: Buffer.from(cluster.caData, 'base64').toString('utf8') } });
  const response = await undici.fetch(`${cluster.url}${path}`, {
    method: init.method,
    body: init.body as string | undefined,
    headers: { Authorization: `Bearer ${cluster.token}`, 'Content-Type': 'application/json', ...((init.headers as Record<string, string>) ?? {}) },
    dispatcher,
  });
  const text = await response.text();
  if (!response.ok && response.status !== 404) throw new Error(`${path}: ${response.status} ${text}`);
  return response.status === 404 ? undefined : JSON.parse(text);
}
