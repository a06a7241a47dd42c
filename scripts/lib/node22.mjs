/*
 * Node 22 beside the Node 20 the repository runs on, for `npm test`'s node22
 * and install parts: from the npm registry (the `node-<platform>-<arch>`
 * package that `npm install node@22` installs, binary and headers), into
 * ~/.cache/shipyard/node22 (SHIPYARD_CACHE moves it), once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE22_VERSION = '22.23.5';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = join(process.env.SHIPYARD_CACHE ?? join(homedir(), '.cache', 'shipyard'), 'node22');
const say = message => console.log(`\x1b[36m[node22]\x1b[0m ${message}`);

/** Installs Node 22 into the cache; returns its folder (bin/node, include/node). */
export function ensureNode22() {
  const name = `node-${process.platform}-${process.arch}`;
  const prefix = join(cacheDir, `node-${NODE22_VERSION}`);
  const dir = join(prefix, 'node_modules', name);
  if (existsSync(join(dir, 'bin', 'node'))) return dir;
  say(`Installing Node ${NODE22_VERSION} (${name}) from the npm registry into ${prefix} …`);
  const staging = `${prefix}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `${name}@${NODE22_VERSION}`], {
    cwd: staging,
  });
  rmSync(prefix, { recursive: true, force: true });
  renameSync(staging, prefix);
  return dir;
}

/** An environment whose `node` is Node 22 and whose native builds compile against its headers. */
export function node22Env(nodeDir, env = process.env) {
  // node-gyp cannot download the headers here: npm_config_nodedir points it at the package's.
  return { ...env, PATH: `${join(nodeDir, 'bin')}${delimiter}${env.PATH}`, npm_config_nodedir: nodeDir };
}

/**
 * Builds better-sqlite3 (the version in node_modules, which is built for Node
 * 20) for Node 22's ABI once, about a minute and a half on two cores; returns
 * the package folder.
 */
export function ensureBetterSqlite3ForNode22(nodeDir) {
  const node = join(nodeDir, 'bin', 'node');
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'));
  const abi = spawnSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
  const prefix = join(cacheDir, `better-sqlite3-${version}-abi${abi}`);
  const dir = join(prefix, 'node_modules', 'better-sqlite3');
  const works = () => {
    if (!existsSync(dir)) return false;
    const check = `const D = require(${JSON.stringify(dir)}); new D(':memory:').prepare('select 1').get();`;
    return spawnSync(node, ['-e', check], { stdio: 'ignore' }).status === 0;
  };
  if (works()) return dir;
  say(`Building better-sqlite3 ${version} for Node ${NODE22_VERSION} (ABI ${abi}) into ${prefix}, once …`);
  const staging = `${prefix}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(
    join(staging, 'package.json'),
    `${JSON.stringify({ private: true, dependencies: { 'better-sqlite3': version }, allowScripts: { 'better-sqlite3': true } }, null, 2)}\n`,
  );
  // npm, the install script and node-gyp run on Node 22.
  run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=error'], {
    cwd: staging,
    env: node22Env(nodeDir),
  });
  rmSync(prefix, { recursive: true, force: true });
  renameSync(staging, prefix);
  if (!works()) throw new Error(`better-sqlite3 in ${prefix} does not load on Node ${NODE22_VERSION}`);
  return dir;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}
