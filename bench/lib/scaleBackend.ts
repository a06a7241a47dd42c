/*
 * One Shipyard backend (with the Kubernetes plugin beside it) in a process of
 * its own, for the scale benchmark: its resident memory is the backend's
 * alone, and it counts every request Shipyard sends to the Kubernetes
 * plugin's proxy (each is one request to the API server). Prints
 * `listening <url>`; answers `stats` on stdin with a `stats {json}` line.
 *   node --require @backstage/cli/config/nodeTransform.cjs scaleBackend.ts <options JSON file>
 */
import { readFileSync } from 'node:fs';
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
    if (line.trim() === 'stats') {
      process.stdout.write(`stats ${JSON.stringify({ ...counts, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed })}\n`);
    } else if (line.trim() === 'gc') {
      (globalThis as any).gc?.();
      process.stdout.write('gc done\n');
    }
  }
}

main().catch(error => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
