import { join } from 'node:path';
import { runCommand } from './kube';

/** Sequential keep-alive GETs from a separate client process; the round trip of each, in milliseconds. */
export async function measureFromClientProcess(options: {
  url: string;
  headers: Record<string, string>;
  warmup: number;
  count: number;
}): Promise<{ samples: number[]; bytes: number }> {
  const result = await runCommand(process.execPath, [join(__dirname, 'sequentialClient.js'), JSON.stringify(options)]);
  return JSON.parse(result.stdout);
}
