/**
 * The Shipyard CLI: deploy, rollback, promote, history and diff against a
 * Backstage backend, for CI pipelines and terminals.
 *
 * @packageDocumentation
 */

import { runCli } from './program';

// `shipyard history | head` closes the pipe early: stop quietly, as other tools do.
process.stdout.on('error', error => {
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
    process.exit(0);
  }
  throw error;
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`error: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
