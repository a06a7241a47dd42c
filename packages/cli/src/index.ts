/**
 * The Shipyard CLI: deploy, rollback, promote, history and diff against a
 * Backstage backend, for CI pipelines and terminals.
 *
 * @packageDocumentation
 */

import { runCli } from './program';

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
