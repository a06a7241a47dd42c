import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { since } from './stats';

/** What tools/local-cluster/cluster.sh writes to `<state>/<name>/cluster.json`. */
export interface LocalCluster {
  name: string;
  url: string;
  caData: string;
  token: string;
  kubeconfig: string;
}

export function readCluster(file: string): LocalCluster {
  return JSON.parse(readFileSync(file, 'utf8'));
}

const agents = new Map<string, Agent>();

/** A raw Kubernetes API call with the cluster's admin token; undefined on 404. */
export async function kubeApi(
  cluster: LocalCluster,
  path: string,
  init: { method?: string; body?: unknown; contentType?: string; accept?: string } = {},
): Promise<any> {
  let dispatcher = agents.get(cluster.url);
  if (!dispatcher) {
    dispatcher = new Agent({
      connect: { ca: Buffer.from(cluster.caData, 'base64').toString('utf8') },
      connections: 32,
    });
    agents.set(cluster.url, dispatcher);
  }
  const response = await undiciFetch(`${cluster.url}${path}`, {
    method: init.method ?? 'GET',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    headers: {
      Authorization: `Bearer ${cluster.token}`,
      Accept: init.accept ?? 'application/json',
      'Content-Type': init.contentType ?? 'application/json',
    },
    dispatcher,
  });
  const text = await response.text();
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function ensureNamespace(cluster: LocalCluster, name: string) {
  if (await kubeApi(cluster, `/api/v1/namespaces/${name}`)) return;
  await kubeApi(cluster, '/api/v1/namespaces', { method: 'POST', body: { metadata: { name } } });
}

export interface CommandResult {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command and measures its wall time, as a user at a shell would wait for it. */
export function runCommand(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; check?: boolean } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', status => {
      const result = { ms: since(start), status, stdout, stderr };
      if (options.check !== false && status !== 0) {
        reject(new Error(`${command} ${args.join(' ')} exited ${status}: ${stderr.slice(0, 1000)}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.end(options.input ?? '');
  });
}
