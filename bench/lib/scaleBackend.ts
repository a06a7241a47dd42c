/*
 * One Shipyard backend (with the Kubernetes plugin beside it) in a process of
 * its own, for the scale benchmark: its resident memory is the backend's
 * alone, and it counts every request Shipyard sends to the Kubernetes
 * plugin's proxy (each is one request to the API server). Prints
 * `listening <url>`; answers `stats` on stdin with a `stats {json}` line
 * (proxy requests, memory, CPU time and event-loop utilization so far), and
 * `profile start` / `profile stop <file>` with a CPU profile of what it did in between.
 *   node --require @backstage/cli/config/nodeTransform.cjs scaleBackend.ts <options JSON file>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { BenchDatabase, startShipyardBackend } from './backend';

interface Options {
  database: { engine: 'sqlite' | 'postgres'; label: string; config: object };
  entities: object[];
  shipyard: object;
  kubernetes: object;
}

const counts = { proxyRequests: 0, watchRequests: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = ((input: any, init?: any) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (url.includes('/api/kubernetes/proxy/')) {
    counts.proxyRequests++;
    if (/[?&]watch=1/.test(url)) counts.watchRequests++;
  }
  return realFetch(input, init);
}) as typeof fetch;

async function main() {
  const options: Options = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const database: BenchDatabase = { ...options.database, dispose: async () => {} };
  const backend = await startShipyardBackend({
    database,
    entities: options.entities,
    shipyard: options.shipyard,
    kubernetes: options.kubernetes,
    // The test backend's scheduler runs tasks only when asked; the refresh must run on its own here.
    features: [schedulerServiceFactory],
  });
  process.stdout.write(`listening ${backend.baseUrl}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...args] = line.trim().split(/\s+/);
    if (command === 'stats') {
      const { rss, heapUsed } = process.memoryUsage();
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      const stats = { ...counts, rss, heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, loopActiveMs: elu.active, loopIdleMs: elu.idle };
      process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
    } else if (command === 'profile') {
      await profile(args[0], args[1]);
      process.stdout.write('profile done\n');
    } else if (line.trim() === 'gc') {
      (globalThis as any).gc?.();
      process.stdout.write('gc done\n');
    }
  }
}

const inspector = new Session();
function post(method: string, params?: object): Promise<any> {
  return new Promise((resolve, reject) => inspector.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}
async function profile(action: string, file?: string) {
  if (action === 'start') {
    inspector.connect();
    await post('Profiler.enable');
    await post('Profiler.start');
  } else if (action === 'stop' && file) {
    const { profile: result } = await post('Profiler.stop');
    writeFileSync(file, JSON.stringify(result));
    inspector.disconnect();
  }
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
