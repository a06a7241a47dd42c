#!/usr/bin/env node
/*
 * Runs Shipyard's browser tests with Node's test runner (not Jest): every
 * `*.test.mjs` beside this file, one file at a time. Expects the app and the
 * backend to be running (SHIPYARD_E2E_BASE_URL, default http://localhost:3000;
 * SHIPYARD_E2E_BACKEND_URL, default http://localhost:7007).
 *
 *   node packages/app/e2e-tests/run.mjs
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// SHIPYARD_E2E_FILES=shipyard.test.mjs,/tmp/x.test.mjs runs only those files (names here, or paths).
const only = process.env.SHIPYARD_E2E_FILES?.split(',').filter(Boolean);
const files = only?.length
  ? only.map(file => (isAbsolute(file) ? file : join(here, file)))
  : readdirSync(here)
      .filter(name => name.endsWith('.test.mjs'))
      .sort()
      .map(name => join(here, name));

const result = spawnSync(
  process.execPath,
  // --test-force-exit: a browser left open by a failed hook must not keep
  // the run (and npm test) waiting for ever after the results are in.
  [
    '--test',
    '--test-concurrency=1',
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
