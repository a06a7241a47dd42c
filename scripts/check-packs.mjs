#!/usr/bin/env node
/*
 * What an adopter installs: builds every published Shipyard package the way a
 * release does (`tsc` for the types, `backstage-cli package build`), packs it
 * with `npm pack` (which runs `backstage-cli package prepack`/`postpack`) and
 * checks the tarball against the lists below:
 *
 * - every file is one the package needs at run time (dist, migrations, the
 *   compiled config schema, the CLI's bin), none is a test, a fixture, a
 *   test utility or TypeScript source, and the required ones are there;
 * - the packed package.json points main, module, types, exports,
 *   typesVersions, bin and configSchema at files in the tarball, never src/;
 * - every package a built file imports, at run time or in its types, is a
 *   dependency or peer dependency, and Shipyard's own packages depend on
 *   each other by the version they will be published with;
 * - the CommonJS packages load in plain Node from the tarball, with no
 *   TypeScript transform, and the CLI prints its version.
 *
 *   node scripts/check-packs.mjs [--keep] [package dir …]
 *
 * --keep leaves the tarballs and their unpacked contents in .cache/packs.
 */
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, '.cache', 'packs');

const ENGINES = '20 || 22 || 24';
const ANY_PACKAGE = [/^package\.json$/, /^README\.md$/, /^CHANGELOG\.md$/, /^LICENSE$/];
const BUILT_JS = /^dist\/.+\.(cjs|esm)\.js(\.map)?$/;
const BUILT_TYPES = /^dist\/([^/]+|types\/[^/]+)\.d\.ts$/;
const NEVER = [
  [/(^|\/)src\//, 'a source file'],
  [/\.(test|spec)\.[cm]?[jt]sx?(\.map)?$/, 'a test'],
  [/(^|\/)(__testUtils__|__fixtures__|__mocks__|fixtures)\//, 'a test utility or fixture'],
  [/(^|\/)setupTests\./, 'a test setup file'],
  [/(?<!\.d)\.tsx?$/, 'TypeScript source'],
  [/tsbuildinfo$|package\.json-prepack$/, 'a build leftover'],
];

/** What each package's tarball holds: files that must be there, and patterns every file must match. */
const PACKAGES = {
  'plugins/shipyard-common': {
    required: ['dist/index.cjs.js', 'dist/index.esm.js', 'dist/index.d.ts', 'README.md'],
    allowed: [BUILT_JS, BUILT_TYPES],
    loads: (pkg, require) => {
      const common = require(pkg);
      return typeof common.planPromotion === 'function' && typeof common.parseSpec === 'function';
    },
  },
  'plugins/shipyard-backend': {
    required: ['dist/index.cjs.js', 'dist/index.d.ts', 'config.schema.json', 'migrations/*', 'README.md'],
    allowed: [BUILT_JS, BUILT_TYPES, /^migrations\/[^/]+\.js$/, /^config\.schema\.json$/],
    loads: (pkg, require) => require(pkg).default?.$$type === '@backstage/BackendFeature',
  },
  'plugins/shipyard': {
    required: ['dist/index.esm.js', 'dist/index.d.ts', 'dist/alpha.esm.js', 'dist/alpha.d.ts', 'README.md'],
    allowed: [BUILT_JS, BUILT_TYPES],
  },
  'plugins/scaffolder-backend-module-shipyard': {
    required: ['dist/index.cjs.js', 'dist/index.d.ts', 'config.schema.json', 'README.md'],
    allowed: [BUILT_JS, BUILT_TYPES, /^config\.schema\.json$/],
    loads: (pkg, require) => require(pkg).default?.$$type === '@backstage/BackendFeature',
  },
  'packages/cli': {
    required: ['bin/shipyard', 'dist/index.cjs.js', 'README.md'],
    allowed: [BUILT_JS, /^bin\/shipyard$/],
    runs: ['--version'],
  },
};

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const selected = args.filter(a => !a.startsWith('--')).map(a => a.replace(/\/+$/, ''));
for (const dir of selected) {
  if (!PACKAGES[dir]) throw new Error(`${dir} is not one of ${Object.keys(PACKAGES).join(', ')}`);
}
const dirs = selected.length ? selected : Object.keys(PACKAGES);
const versions = Object.fromEntries(
  Object.keys(PACKAGES).map(dir => {
    const pkg = readJson(join(root, dir, 'package.json'));
    return [pkg.name, pkg.version];
  }),
);

const say = message => console.log(`\x1b[36m[packs]\x1b[0m ${message}`);
const started = Date.now();
let problems = 0;
const fail = (dir, message) => {
  problems += 1;
  console.log(`  \x1b[31m✗\x1b[0m ${dir}: ${message}`);
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, 'node_modules'), { recursive: true });

// `backstage-cli package build` bundles the declarations tsc writes to dist-types.
say('Writing declarations (tsc) …');
run('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, allowFailure: true, quiet: true });

for (const dir of dirs) {
  const spec = PACKAGES[dir];
  const packageDir = join(root, dir);
  const t0 = Date.now();
  run('npx', ['backstage-cli', 'package', 'build'], { cwd: packageDir });
  const t1 = Date.now();
  const tarball = pack(packageDir, join(outDir, 'tarballs'));
  const t2 = Date.now();
  const files = run('tar', ['-tzf', tarball], { cwd: root, quiet: true })
    .stdout.split('\n')
    .filter(Boolean)
    .map(f => f.replace(/^package\//, ''))
    .filter(f => !f.endsWith('/'));
  const unpacked = join(outDir, 'node_modules', ...dirnameOfPackage(dir));
  mkdirSync(unpacked, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], { cwd: root, quiet: true });
  const pkg = readJson(join(unpacked, 'package.json'));

  checkFiles(dir, spec, files);
  checkManifest(dir, pkg, files);
  checkImports(dir, pkg, unpacked, files);
  say(
    `${dir}: ${files.length} files, ${(statSize(tarball) / 1024).toFixed(0)} KiB ` +
      `(build ${seconds(t1 - t0)}, pack ${seconds(t2 - t1)})`,
  );
}

// Loaded from .cache/packs/node_modules, @shipyard/* resolve to the unpacked
// tarballs and everything else to the repository's node_modules.
for (const dir of dirs) {
  const spec = PACKAGES[dir];
  const name = readJson(join(root, dir, 'package.json')).name;
  if (spec.loads) {
    const script = `const req = require('node:module').createRequire(${JSON.stringify(join(outDir, 'x.js'))});
      const ok = (${spec.loads.toString()})(${JSON.stringify(name)}, req);
      const resolved = req.resolve(${JSON.stringify(name)});
      if (!resolved.startsWith(${JSON.stringify(outDir)})) throw new Error('resolved ' + resolved);
      if (!ok) throw new Error('unexpected exports');`;
    const result = run('node', ['-e', script], { cwd: outDir, allowFailure: true, quiet: true });
    if (result.status !== 0) fail(dir, `does not load in plain Node from the tarball:\n${indent(result.stderr)}`);
  }
  if (spec.runs) {
    const bin = join(outDir, 'node_modules', ...dirnameOfPackage(dir), 'bin', 'shipyard');
    const result = run('node', [bin, ...spec.runs], { cwd: outDir, allowFailure: true, quiet: true });
    const expected = versions[name];
    if (result.status !== 0 || result.stdout.trim() !== expected) {
      fail(dir, `bin/shipyard ${spec.runs.join(' ')} printed '${result.stdout.trim()}' (exit ${result.status}), expected ${expected}:\n${indent(result.stderr)}`);
    }
  }
}

if (!keep) rmSync(outDir, { recursive: true, force: true });
say(`${problems ? `${problems} problems` : 'All tarballs as expected'} (${Math.round((Date.now() - started) / 1000)}s)`);
process.exit(problems ? 1 : 0);

function checkFiles(dir, spec, files) {
  for (const file of files) {
    const never = NEVER.find(([pattern]) => pattern.test(file));
    if (never) fail(dir, `ships ${never[1]}: ${file}`);
    else if (![...ANY_PACKAGE, ...spec.allowed].some(p => p.test(file))) fail(dir, `ships an unexpected file: ${file}`);
  }
  for (const required of spec.required) {
    if (required.endsWith('/*')) {
      const folder = required.slice(0, -2);
      for (const file of readdirSync(join(root, dir, folder))) {
        if (!files.includes(`${folder}/${file}`)) fail(dir, `does not ship ${folder}/${file}`);
      }
    } else if (!files.includes(required)) {
      fail(dir, `does not ship ${required}`);
    }
  }
}

function checkManifest(dir, pkg, files) {
  const has = target => files.includes(target.replace(/^\.\//, ''));
  const targets = [];
  for (const field of ['main', 'module', 'types', 'configSchema']) {
    if (pkg[field]) targets.push([field, pkg[field]]);
  }
  for (const [name, target] of Object.entries(typeof pkg.bin === 'string' ? { bin: pkg.bin } : pkg.bin ?? {})) {
    targets.push([`bin.${name}`, target]);
  }
  const walk = (value, path) => {
    if (typeof value === 'string') targets.push([path, value]);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        // exports[…].backstage names the entry point's feature type, not a file.
        if (key !== 'backstage') walk(inner, `${path}[${key}]`);
      }
    }
  };
  walk(pkg.exports, 'exports');
  walk(pkg.typesVersions, 'typesVersions');
  if (!pkg.main) fail(dir, 'package.json has no main');
  for (const [field, target] of targets) {
    if (/(^|\/)src\//.test(target)) fail(dir, `package.json ${field} points at source: ${target}`);
    else if (!has(target)) fail(dir, `package.json ${field} points at ${target}, which is not in the tarball`);
  }
  if (pkg.engines?.node !== ENGINES) fail(dir, `engines.node is '${pkg.engines?.node}', expected '${ENGINES}'`);
  if (pkg.private) fail(dir, 'is private');
  if (pkg.publishConfig?.access !== 'public') fail(dir, "publishConfig.access is not 'public'");
  for (const field of ['dependencies', 'peerDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      if (/^(workspace|file|link):/.test(range) || range === '*') fail(dir, `${field}.${name} is '${range}'`);
      if (versions[name] && range !== `^${versions[name]}`) {
        fail(dir, `${field}.${name} is '${range}', expected '^${versions[name]}' (the version it is published with)`);
      }
    }
  }
}

/** Every package that a built file imports (run time and types) must be declared. */
function checkImports(dir, pkg, unpacked, files) {
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const builtins = new Set(builtinModules.flatMap(m => [m, `node:${m}`]));
  const specifier = /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s*)['"]([@\w][\w@./:-]*)['"]/gm;
  const missing = new Map();
  for (const file of files.filter(f => /\.(js|d\.ts)$/.test(f) && !f.startsWith('migrations/'))) {
    const text = readFileSync(join(unpacked, file), 'utf8');
    for (const [, target] of text.matchAll(specifier)) {
      if (target.startsWith('.') || target.startsWith('/') || builtins.has(target)) continue;
      const name = target.startsWith('@') ? target.split('/').slice(0, 2).join('/') : target.split('/')[0];
      if (name === pkg.name || declared.has(name)) continue;
      if (!missing.has(name)) missing.set(name, file);
    }
  }
  for (const [name, file] of missing) {
    fail(dir, `imports ${name} (${file}) but does not declare it in dependencies or peerDependencies`);
  }
}

/** Runs `npm pack` in the package (prepack/postpack included) and returns the tarball's path. */
function pack(packageDir, destination) {
  mkdirSync(destination, { recursive: true });
  const before = new Set(readdirSync(destination));
  const manifest = join(packageDir, 'package.json');
  const original = readFileSync(manifest, 'utf8');
  try {
    run('npm', ['pack', '--pack-destination', destination, '--loglevel=error'], { cwd: packageDir, quiet: true });
  } finally {
    // postpack restores package.json; should npm stop between the two, do it here.
    const backup = join(packageDir, 'package.json-prepack');
    if (existsSync(backup)) renameSync(backup, manifest);
    if (readFileSync(manifest, 'utf8') !== original) writeFileSync(manifest, original);
    const schema = join(packageDir, 'config.schema.json');
    if (existsSync(schema) && !isTracked(schema)) rmSync(schema);
  }
  const created = readdirSync(destination).filter(f => f.endsWith('.tgz') && !before.has(f));
  if (created.length !== 1) throw new Error(`npm pack in ${packageDir} wrote ${created.length} tarballs`);
  return join(destination, created[0]);
}

function isTracked(file) {
  return spawnSync('git', ['ls-files', '--error-unmatch', relative(root, file)], { cwd: root, stdio: 'ignore' }).status === 0;
}

function dirnameOfPackage(dir) {
  return readJson(join(root, dir, 'package.json')).name.split('/');
}

function run(command, commandArgs, { cwd, allowFailure = false, quiet = false }) {
  const result = spawnSync(command, commandArgs, {
    cwd,
    encoding: 'utf8',
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0 && !allowFailure) {
    throw new Error(`${command} ${commandArgs.join(' ')} (in ${relative(root, cwd) || '.'}) exited with ${result.status ?? result.signal}\n${result.stdout ?? ''}${result.stderr ?? ''}`);
  }
  return result;
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

function statSize(file) {
  return readFileSync(file).length;
}

function indent(text = '') {
  return text.trim().split('\n').slice(-15).map(l => `      ${l}`).join('\n');
}
