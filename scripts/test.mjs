#!/usr/bin/env node
/*
 * npm test: the whole suite. Installs what is missing, starts PostgreSQL and
 * three local Kubernetes control planes (the third, "scale", for the watch
 * tests, which restart it), runs every package's tests (store
 * tests on SQLite and PostgreSQL, cluster tests, UI component tests), then
 * the browser end-to-end tests against a running backend and app.
 *
 * On a laptop a missing service skips its suites with the reason printed;
 * with CI=true nothing may be skipped. Either way the suite runs once and
 * the exit status says whether it passed, with or without a terminal.
 *
 *   node scripts/test.mjs [part …] [-- jest arguments]
 *
 * Parts: static, packs, unit, node22, cluster-tools, e2e, install (default: all;
 * install only with CI=true or when named, as it takes minutes and gigabytes).
 * Jest arguments go to the unit part, e.g. `npm test -- unit -- plugins/shipyard-common`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  ensureCluster,
  ensureDependencies,
  ensurePostgres,
  hasChromium,
  inCI,
  readCluster,
  root,
  run,
  say,
  waitForHttp,
  writeClusterConfig,
} from './lib/services.mjs';

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
const only = dashes < 0 ? argv : argv.slice(0, dashes);
const jestArgs = dashes < 0 ? [] : argv.slice(dashes + 1);
const wants = part => only.length === 0 || only.includes(part);
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;

ensureDependencies();
ensurePostgres();

const primary = ensureCluster('default');
const secondary = primary ? ensureCluster('second', 17000) : undefined;
if (primary) process.env.SHIPYARD_TEST_CLUSTER = primary;
if (secondary) process.env.SHIPYARD_TEST_CLUSTER_2 = secondary;
// The watch tests restart and compact this one; nothing else runs on it.
const scale = primary ? ensureCluster('scale', 18000) : undefined;
if (scale) process.env.SHIPYARD_TEST_CLUSTER_SCALE = scale;
if (inCI) process.env.SHIPYARD_REQUIRE_SERVICES = 'true';

let failed = false;
/**
 * What failed, part by part, printed again at the very end: CI shows only the
 * tail of a long log, and a failure twenty minutes up would otherwise be lost.
 */
const failures = [];
const fail = (part, what) => {
  failed = true;
  failures.push(`${part}: ${what}`);
};
if (wants('static')) {
  say(`Type-checking and linting (${elapsed()}) …`);
  // tsc writes the declarations (dist-types) that the API reports are made from;
  // not incrementally, as an incremental build may order a type's members differently.
  const checks = [
    ['npx', ['tsc', '-p', 'tsconfig.json', '--incremental', 'false']],
    // The benchmarks implement the backend's interfaces too (bench/lib/instantCluster.ts).
    ['npx', ['tsc', '-p', join('bench', 'tsconfig.json')]],
    ['npx', ['backstage-cli', 'repo', 'lint']],
    ['node', [join(root, 'scripts', 'api-reports.mjs'), '--ci', '--no-tsc']],
  ];
  for (const [command, args] of checks) {
    const status = run(command, args, { allowFailure: true }).status;
    if (status !== 0) fail('static', `${command} ${args.join(' ')} exited with ${status}`);
  }
}

let packsDir;
if (wants('packs')) {
  say(`Building, packing and checking the published packages (${elapsed()}) …`);
  // --keep: the install part installs these tarballs.
  if (run('node', [join(root, 'scripts', 'check-packs.mjs'), '--keep'], { allowFailure: true }).status !== 0) {
    fail('packs', 'scripts/check-packs.mjs failed');
  } else packsDir = join(root, '.cache', 'packs', 'tarballs');
}

if (wants('unit')) {
  say(`Running package tests (${elapsed()}) …`);
  const resultsFile = resolve(root, process.env.SHIPYARD_JEST_RESULTS ?? join('.cache', 'jest-results.json'));
  rmSync(resultsFile, { force: true });
  mkdirSync(dirname(resultsFile), { recursive: true });
  // Two jest runs over disjoint sets of test files. The ones that start the
  // Kubernetes plugin need --experimental-vm-modules for its lazy import of
  // the ESM-only @kubernetes/client-node; under that flag jest cannot
  // require() an ESM-only package such as jose, which Backstage's real auth
  // services load, so every other file runs without it.
  const needsEsm = esmTestFiles();
  const everyTest = allTestFiles();
  const runs = [
    { name: 'cjs', ignore: needsEsm, nodeOptions: process.env.NODE_OPTIONS ?? '' },
    {
      name: 'esm',
      ignore: everyTest.filter(f => !needsEsm.includes(f)),
      nodeOptions: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
    },
  ];
  const parts = runs.map(({ name, ignore, nodeOptions }) => {
    const outputFile = `${resultsFile}.${name}`;
    rmSync(outputFile, { force: true });
    const result = run(
      'npx',
      [
        'backstage-cli',
        'repo',
        'test',
        '--ci',
        // `backstage-cli repo test` adds jest's --watch whenever CI is unset,
        // and --ci does not stop it: a newcomer's terminal would run only the
        // tests related to uncommitted changes and then wait for ever.
        '--watchAll=false',
        '--passWithNoTests',
        ...jestArgs,
        '--json',
        `--outputFile=${outputFile}`,
        // Last: jest reads every argument after an array option as one more value of it.
        '--testPathIgnorePatterns',
        ...ignore.map(f => `${escapeRegExp(f)}$`),
      ],
      { allowFailure: true, env: { ...process.env, NODE_OPTIONS: nodeOptions } },
    );
    if (result.status !== 0) fail('unit', `the ${name} jest run exited with ${result.status ?? result.signal}`);
    return outputFile;
  });
  mergeJestResults(parts, resultsFile);
  for (const test of reportJestResults(resultsFile)) fail('unit', test);
}

if (wants('node22')) {
  // The same package tests (but the Kubernetes plugin's and the fuzz test) on Node 22, as adopters run it.
  say(`Running the package tests on Node 22 as well (${elapsed()}) …`);
  const node22 = run('node', [join(root, 'scripts', 'node22.mjs'), '--', ...jestArgs], { allowFailure: true });
  if (node22.status !== 0) {
    fail('node22', `scripts/node22.mjs exited with ${node22.status ?? node22.signal}`);
    for (const test of failedJestTests(join(root, '.cache', 'jest-results-node22.json'))) fail('node22', test);
  }
}

if (wants('cluster-tools') && primary) {
  // The control plane's own checks: two clusters, a rollout, the token, an apiserver restart.
  say(`Running the local control plane's smoke test (${elapsed()}) …`);
  const result = run('bash', [join(root, 'tools', 'local-cluster', 'smoke-test.sh')], { allowFailure: true });
  if (result.status !== 0) fail('cluster-tools', `tools/local-cluster/smoke-test.sh exited with ${result.status}`);
}

if (wants('e2e')) {
  if (!hasChromium()) {
    if (inCI) throw new Error('Chromium is missing at /usr/bin/chromium (.ci/run installs it)');
    say('Browser tests skipped: Debian\'s chromium is not installed (apt-get install chromium).');
  } else {
    if (!(await runEndToEnd())) fail('e2e', 'the browser tests failed (their report is above: "✖")');
  }
}

// In CI, or when asked (npm test -- install): it makes two Backstage apps, about 10 minutes
// and 5 GB (~/.cache/shipyard/install-test, ~/.yarn/berry) the first time, 3 minutes after.
if (only.includes('install') || (inCI && only.length === 0)) {
  // The packed packages in apps from @backstage/create-app, new and legacy frontend system, by the READMEs.
  say(`Installing Shipyard into stock Backstage apps (${elapsed()}) …`);
  const install = run('node', [join(root, 'scripts', 'install-test.mjs')], {
    allowFailure: true,
    env: { ...process.env, ...(packsDir ? { SHIPYARD_PACKS_DIR: packsDir } : {}) },
  });
  if (install.status !== 0) fail('install', `scripts/install-test.mjs exited with ${install.status}`);
} else if (only.length === 0) {
  say('Installation test not run outside CI (about 10 minutes and 5 GB the first time): npm test -- install');
}

if (failures.length > 0) say(`What failed:\n${failures.map(f => `  - ${f}`).join('\n')}`);
say(`${failed ? 'FAILED' : 'Passed'} after ${elapsed()}`);
process.exit(failed ? 1 : 0);

/** Every test file of the workspaces, as absolute paths. */
function allTestFiles() {
  const listed = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '*.test.ts', '*.test.tsx'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).stdout;
  return listed
    .split('\0')
    .filter(f => f && /^(plugins|packages)\//.test(f))
    .map(f => join(root, f));
}

/** The test files that start the Kubernetes plugin, directly or through the crash-recovery harness. */
function esmTestFiles() {
  return allTestFiles().filter(f => /plugin-kubernetes-backend|crashingBackendProcess/.test(readFileSync(f, 'utf8')));
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One results file from the runs' files: their counts added, their test results (or listed files) joined. */
function mergeJestResults(files, into) {
  const parts = files.filter(f => existsSync(f)).map(f => JSON.parse(readFileSync(f, 'utf8')));
  if (parts.length === 0) return;
  let merged;
  if (parts.every(Array.isArray)) {
    merged = parts.flat();
  } else {
    merged = { ...parts[0], testResults: [] };
    for (const key of Object.keys(parts[0])) {
      if (typeof parts[0][key] === 'number' && key.startsWith('num')) {
        merged[key] = parts.reduce((sum, part) => sum + (part[key] ?? 0), 0);
      }
    }
    merged.success = parts.every(part => part.success);
    merged.testResults = parts.flatMap(part => part.testResults ?? []);
  }
  writeFileSync(into, JSON.stringify(merged));
  for (const file of files) rmSync(file, { force: true });
}

/**
 * Prints the counts jest wrote to `file` (a run's results, or the files
 * --listTests found) and returns the failed tests, one line each.
 */
function reportJestResults(file) {
  if (!existsSync(file)) {
    say('Package tests wrote no results.');
    return [];
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  if (Array.isArray(results)) {
    say(`Package tests: ${results.length} test files listed (${file})`);
    return [];
  }
  const { numTotalTestSuites, numFailedTestSuites, numTotalTests, numPassedTests, numFailedTests, numPendingTests, numTodoTests } =
    results;
  // A file can fail with every test passed: a hook that threw, a worker that crashed.
  say(
    `Package tests: ${numTotalTestSuites} suites (${numFailedTestSuites} failed), ${numTotalTests} tests: ` +
      `${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped (${file})`,
  );
  return failedJestTests(file);
}

/**
 * The failed tests in a jest results file, each as "file › test: the first
 * line of its message"; a file that failed outside any test (it did not
 * compile, a hook threw) with its message's first line.
 */
function failedJestTests(file) {
  if (!existsSync(file)) return [];
  const results = JSON.parse(readFileSync(file, 'utf8'));
  if (Array.isArray(results)) return [];
  const firstLine = text =>
    (text ?? '')
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .map(line => line.trim())
      .find(line => line.length > 0 && !line.startsWith('●')) ?? '';
  const lines = [];
  for (const suite of results.testResults ?? []) {
    const path = suite.name.startsWith(root) ? suite.name.slice(root.length + 1) : suite.name;
    const failedTests = (suite.assertionResults ?? []).filter(t => t.status === 'failed');
    for (const test of failedTests) {
      lines.push(`${path} › ${test.fullName}: ${firstLine(test.failureMessages?.join('\n'))}`);
    }
    if (failedTests.length === 0 && suite.status === 'failed') lines.push(`${path}: ${firstLine(suite.message)}`);
  }
  return lines;
}

/** Starts backend and app on the local cluster with a fresh database, and runs the browser tests. */
async function runEndToEnd() {
  // The browser tests' own workspaces, service and second principal (packages/app/e2e-tests/app-config.e2e.yaml).
  const configs = [join(root, 'app-config.yaml'), join(root, 'packages', 'app', 'e2e-tests', 'app-config.e2e.yaml')];
  if (primary) configs.push(writeClusterConfig([{ name: 'local', info: readCluster(primary) }]));
  const dataDir = join(root, '.cache', `e2e-data-${Date.now()}`);
  say(`Starting backend and app for the browser tests (${elapsed()}) …`);
  // Backend, app and browser run in process groups of their own, so they are
  // stopped as a whole, also when npm test is interrupted: otherwise they
  // would keep ports 7007 and 3000 and fail the next run.
  const groups = [];
  const stopAll = () => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  const onSignal = signal => {
    stopAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const portal = spawn('npx', ['backstage-cli', 'repo', 'start', ...configs.flatMap(c => ['--config', c])], {
    cwd: root,
    env: { ...process.env, SHIPYARD_DATA_DIR: dataDir, BROWSER: 'none' },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  groups.push(portal.pid);
  try {
    await waitForHttp('http://localhost:7007/api/shipyard/workspaces');
    await waitForHttp('http://localhost:3000');
    const browserTests = spawn('node', [join(root, 'packages', 'app', 'e2e-tests', 'run.mjs')], {
      cwd: root,
      env: {
        ...process.env,
        SHIPYARD_E2E_BASE_URL: 'http://localhost:3000',
        // docs/screenshots are refreshed on purpose (SHIPYARD_E2E_SCREENSHOTS=docs/screenshots), not by every run.
        SHIPYARD_E2E_SCREENSHOTS: process.env.SHIPYARD_E2E_SCREENSHOTS ?? join(root, '.cache', 'screenshots'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    groups.push(browserTests.pid);
    const status = await new Promise(resolvePromise => {
      browserTests.on('error', () => resolvePromise(1));
      browserTests.on('exit', code => resolvePromise(code ?? 1));
    });
    return status === 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopAll();
  }
}
