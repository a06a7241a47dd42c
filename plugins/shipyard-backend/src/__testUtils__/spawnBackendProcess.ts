import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** A backend started by {@link spawnBackendProcess}. */
export interface BackendProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Everything it wrote to stderr so far (its log, at the level asked for). */
  stderr(): string;
  /** The exit code once it exited, undefined while it runs. */
  exitCode(): number | null | undefined;
}

/**
 * Starts backendProcess.ts in its own OS process on a PostgreSQL database and
 * resolves once it listens; rejects with its stderr if it exits first.
 */
export function spawnBackendProcess(
  connection: string,
  options: { gateway?: boolean; config?: object; logLevel?: 'error' | 'warn' | 'info' | 'debug' } = {},
): Promise<BackendProcess> {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      join(__dirname, 'backendProcess.ts'),
      connection,
      JSON.stringify(options),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let errors = '';
  let exitCode: number | null | undefined;
  child.stderr!.on('data', chunk => (errors += chunk));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', chunk => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) {
        resolve({ child, url: `http://127.0.0.1:${match[1]}`, stderr: () => errors, exitCode: () => exitCode });
      }
    });
    child.on('exit', code => {
      exitCode = code;
      reject(new Error(`backend exited with ${code} before listening: ${errors.slice(-2000)}`));
    });
  });
}
