#!/usr/bin/env node
/*
 * The package tests on Node 22, the Node that apps from @backstage/create-app
 * run on, beside the Node 20 of `npm test`'s unit part; same node_modules.
 *
 *   node scripts/node22.mjs [--with-fuzz] [path …] [-- jest arguments]
 *
 * Paths narrow the run like jest's (default: every package). It runs the test
 * files of `npm test`'s unit part that do not start the Kubernetes plugin: the
 * unit, store, service and router suites, and the cluster suites whose
 * services are up (SHIPYARD_TEST_CLUSTER, PostgreSQL as for npm test). The
 * ones that start the Kubernetes plugin need --experimental-vm-modules (see
 * scripts/test.mjs) and run on Node 20 only. What it needs, built once into
 * ~/.cache/shipyard/node22 (SHIPYARD_CACHE moves it):
 *
 * - Node 22 from the npm registry: the `node-<platform>-<arch>` package that
 *   `npm install node@22` installs, which carries the binary and its headers;
 * - better-sqlite3, the one native addon the tests load, built for Node 22's
 *   ABI against those headers (npm_config_nodedir; node-gyp cannot download
 *   them here), about a minute and a half on two cores. node_modules keeps its
 *   Node 20 build: jest maps `better-sqlite3` to the Node 22 build
 *   (node22/jest.config.cjs) and processes the tests spawn resolve it there
 *   too (node22/better-sqlite3.cjs).
 *
 * Jest writes its results to .cache/jest-results-node22.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBetterSqlite3ForNode22, ensureNode22, NODE22_VERSION as NODE_VERSION } from './lib/node22.mjs';
/**
 * The router's fuzz test sends 10,000 requests per route and database: six
 * minutes on two cores, more than the rest of the run. Node 20 runs it in
 * `npm test`; --with-fuzz runs it here too.
 */
const FUZZ_TESTS = ['plugins/shipyard-backend/src/service/router.fuzz.test.ts'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = message => console.log(`\x1b[36m[node22]\x1b[0m ${message}`);
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const ownArgs = dashes < 0 ? argv : argv.slice(0, dashes);
const withFuzz = ownArgs.includes('--with-fuzz');
const paths = ownArgs.filter(a => a !== '--with-fuzz');
const jestArgs = dashes < 0 ? [] : argv.slice(dashes + 1);

const nodeDir = ensureNode22();
const node = join(nodeDir, 'bin', 'node');
const betterSqlite3 = ensureBetterSqlite3ForNode22(nodeDir);

const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
say(`Package tests on Node ${version} (${elapsed()}) …`);
const resultsFile = join(root, '.cache', 'jest-results-node22.json');
rmSync(resultsFile, { force: true });
mkdirSync(dirname(resultsFile), { recursive: true });
const result = spawnSync(
  node,
  [
    join(root, 'node_modules', '@backstage', 'cli', 'bin', 'backstage-cli'),
    'repo',
    'test',
    '--config',
    join(root, 'scripts', 'node22', 'jest.config.cjs'),
    '--ci',
    '--watchAll=false',
    '--passWithNoTests',
    ...paths,
    ...jestArgs,
    '--json',
    `--outputFile=${resultsFile}`,
    // Last: jest reads every argument after an array option as one more value of it.
    ...ignorePatterns([...kubernetesPluginTestFiles(), ...(withFuzz ? [] : FUZZ_TESTS.map(f => join(root, f)))]),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      // `node` in scripts and spawned processes is Node 22 as well.
      PATH: `${join(nodeDir, 'bin')}${delimiter}${process.env.PATH}`,
      SHIPYARD_BETTER_SQLITE3: betterSqlite3,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require=${join(root, 'scripts', 'node22', 'better-sqlite3.cjs')}`]
        .filter(Boolean)
        .join(' '),
    },
  },
);
if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  say(
    `Node ${NODE_VERSION}: ${r.numTotalTestSuites} suites (${r.numFailedTestSuites} failed), ${r.numTotalTests} tests: ${r.numPassedTests} passed, ` +
      `${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped (${elapsed()})`,
  );
}
process.exit(result.status ?? 1);

function ignorePatterns(files) {
  if (files.length === 0) return [];
  return ['--testPathIgnorePatterns', ...files.map(f => `${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)];
}

/** The test files that start the Kubernetes plugin, picked as scripts/test.mjs picks them. */
function kubernetesPluginTestFiles() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '*.test.ts', '*.test.tsx'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout;
  return listed
    .split('\0')
    .filter(f => f && /^(plugins|packages)\//.test(f))
    .map(f => join(root, f))
    .filter(f => /plugin-kubernetes-backend|crashingBackendProcess/.test(readFileSync(f, 'utf8')));
}
