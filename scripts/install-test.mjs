#!/usr/bin/env node
/*
 * The installation test: Shipyard installed the way an adopter installs it,
 * into apps made by @backstage/create-app (pinned below), on Node 22 with the
 * yarn release the app brings, from the packed tarballs, following the
 * package READMEs word for word, then used:
 *
 *   1. create the app (`--skip-install`; `--legacy` for the legacy frontend
 *      system) and `yarn install` it; this base app is cached per variant in
 *      ~/.cache/shipyard/install-test and reset with git before every run;
 *   2. run the READMEs' steps, taken from their code blocks: the `yarn add`
 *      commands, the `backend.add` lines, the app-config, the catalog
 *      annotations, the RBAC manifest and commands against the local control
 *      plane, the frontend (nothing for the new frontend system; the
 *      EntityPage.tsx snippet for the legacy one);
 *   3. `yarn start`, the README's deploy through the API, which must reach
 *      the cluster (`succeeded`), and Chromium on the Versions and Promote
 *      tabs; a second deploy reaches the Versions tab through the stock
 *      app's signals plugins while the page's timers are stopped.
 *
 * A step the READMEs leave out makes it fail. What the test adds that is not
 * an adopter's step: the @shipyard scope pointed at a local registry serving
 * the tarballs, the local cluster's URL and `adopter-*` namespaces in the
 * README's config (the README says to put your own), other ports than 7007
 * and 3000, and UPSTREAM_FIXES for the pinned create-app.
 *
 *   node scripts/install-test.mjs [new] [legacy]     (default: both)
 *
 * Needs the local control plane (SHIPYARD_TEST_CLUSTER, set by npm test) and
 * Chromium. The tarballs come from SHIPYARD_PACKS_DIR, or from
 * `scripts/check-packs.mjs --keep`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { createHash } from 'node:crypto';
import { NODE22_VERSION, ensureNode22, node22Env } from './lib/node22.mjs';
import { startTarballRegistry } from './lib/tarball-registry.mjs';

const CREATE_APP_VERSION = '0.9.2';
/**
 * Changes the pinned create-app's app needs whether or not Shipyard is in it:
 * its backend pins @backstage/backend-defaults ^0.18.0, while the
 * @backstage/plugin-signals-backend it resolves today (0.3.21) needs 0.19's
 * httpRouter (`httpRouter.addWebSocketHandler is not a function`, and the
 * backend does not start). Drop this when a create-app release fixes it.
 */
const UPSTREAM_FIXES = { 'packages/backend/package.json': { '@backstage/backend-defaults': '^0.19.0' } };
const VARIANTS = {
  new: { flags: [], backendPort: 7107, appPort: 3100 },
  legacy: { flags: ['--legacy'], backendPort: 7207, appPort: 3200 },
};
const SERVICE = 'component:default/payments';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = process.env.SHIPYARD_CACHE ?? join(homedir(), '.cache', 'shipyard');
const cacheDir = join(cacheRoot, 'install-test');
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const chromiumPath = process.env.SHIPYARD_CHROMIUM ?? '/usr/bin/chromium';
const say = message => console.log(`\x1b[36m[install-test]\x1b[0m ${message}`);
const started = Date.now();
const seconds = since => `${Math.round((Date.now() - since) / 1000)}s`;

const selected = process.argv.slice(2).filter(a => VARIANTS[a]);
const variants = selected.length ? selected : Object.keys(VARIANTS);

const clusterFile = process.env.SHIPYARD_TEST_CLUSTER;
const missing = [
  !clusterFile && 'the local control plane (SHIPYARD_TEST_CLUSTER; npm test starts it)',
  !existsSync(chromiumPath) && `Chromium (${chromiumPath})`,
].filter(Boolean);
if (missing.length) {
  const reason = `Installation test skipped: needs ${missing.join(' and ')}`;
  if (inCI) throw new Error(reason);
  say(reason);
  process.exit(0);
}
const cluster = JSON.parse(readFileSync(clusterFile, 'utf8'));

const nodeDir = ensureNode22();
const tarballs = packedTarballs();
const bin = toolShims();
// The adopter's commands run as in their terminal, without CI: yarn 4 refuses, under CI,
// any install that writes yarn.lock, and a stock app has none until its first install.
const { CI: _ci, ...adopterEnv } = node22Env(nodeDir);
const env = { ...adopterEnv, PATH: `${bin}${delimiter}${adopterEnv.PATH}`, YARN_ENABLE_PROGRESS_BARS: 'false' };
const readme = {
  backend: markdownBlocks(join(root, 'plugins', 'shipyard-backend', 'README.md')),
  frontend: markdownBlocks(join(root, 'plugins', 'shipyard', 'README.md')),
};

const registry = await startTarballRegistry(tarballs);
say(`Serving ${registry.names.join(', ')} from ${registry.url}`);
const results = [];
let failed = false;
try {
  for (const name of variants) {
    try {
      results.push(await runVariant(name, VARIANTS[name]));
    } catch (error) {
      failed = true;
      say(`\x1b[31m${name}: ${error.message}\x1b[0m`);
      results.push({ name, error: error.message.split('\n')[0] });
    }
  }
} finally {
  await registry.stop();
}
for (const r of results) {
  say(
    r.error
      ? `${r.name}: FAILED (${r.error})`
      : `${r.name}: passed; create-app to first deployed version ${r.toFirstVersion}` +
          ` (${r.cold ? 'cold: app created and installed' : 'base app from the cache'}), whole variant ${r.total}`,
  );
}
say(`${failed ? 'FAILED' : 'Passed'} after ${seconds(started)}`);
process.exit(failed ? 1 : 0);

async function runVariant(name, { flags, backendPort, appPort }) {
  const variantStart = Date.now();
  const appDir = join(cacheDir, `create-app-${CREATE_APP_VERSION}-${name}`, 'app');
  const marker = join(appDir, '.git', 'shipyard-base');
  // A base app made with other fixes or for another Node (its native modules) is made again.
  const baseKey = createHash('sha256').update(JSON.stringify({ UPSTREAM_FIXES, NODE22_VERSION })).digest('hex');
  const cold = !existsSync(marker) || readFileSync(marker, 'utf8').trim() !== baseKey;
  if (cold) await createBaseApp(appDir, flags, baseKey);
  else say(`${name}: resetting the cached app in ${appDir}`);
  await sh('git reset -q --hard && git clean -q -fdx -e node_modules -e .yarn', appDir);
  forgetCachedShipyardPackages();
  appendFileSync(
    join(appDir, '.yarnrc.yml'),
    `\n# install-test: @shipyard packages from the packed tarballs\nnpmScopes:\n  shipyard:\n    npmRegistryServer: "${registry.url}"\nunsafeHttpWhitelist:\n  - 127.0.0.1\n`,
  );
  await resetNamespaces();

  say(`${name}: the READMEs' steps`);
  // Backend README, 1. Install: the yarn command and the backend.add lines.
  await sh(readme.backend.code('1. Install', 'sh'), appDir);
  const backendAdds = readme.backend.code('1. Install', 'ts').split('\n').filter(l => l.startsWith('backend.add('));
  if (backendAdds.length !== 2) throw new Error(`backend README: expected 2 backend.add lines, found ${backendAdds.length}`);
  edit(join(appDir, 'packages/backend/src/index.ts'), text => insertBefore(text, 'backend.start();', `${backendAdds.join('\n')}\n\n`));

  // Frontend README: the yarn command; the legacy system also takes the EntityPage.tsx snippet.
  await sh(readme.frontend.code('Install', 'sh'), appDir);
  if (name === 'legacy') {
    edit(join(appDir, 'packages/app/src/components/catalog/EntityPage.tsx'), text =>
      applyEntityPageSnippet(text, readme.frontend.code('Legacy frontend system', 'tsx')),
    );
  }

  // Backend README, 2. Configure: app-config (with this machine's cluster, namespaces and ports) and the annotations.
  const config = parseDocument(readme.backend.code('2. Configure', 'yaml', 0)).toJS();
  const readmeCluster = config.kubernetes.clusterLocatorMethods[0].clusters[0];
  readmeCluster.url = cluster.url;
  for (const ws of config.shipyard.workspaces) ws.namespace = ws.namespace.replace(/^shipyard-/, 'adopter-');
  config.app = { ...config.app, baseUrl: `http://localhost:${appPort}` };
  config.backend = {
    ...config.backend,
    baseUrl: `http://localhost:${backendPort}`,
    listen: { port: backendPort },
    cors: { origin: `http://localhost:${appPort}`, methods: ['GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'DELETE'], credentials: true },
  };
  writeFileSync(join(appDir, 'app-config.local.yaml'), stringify(config));
  const annotations = parseDocument(readme.backend.code('2. Configure', 'yaml', 1)).toJS().metadata.annotations;
  appendFileSync(
    join(appDir, 'examples', 'entities.yaml'),
    `---\n${stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'payments', annotations },
      spec: { type: 'service', lifecycle: 'production', owner: 'guests', system: 'examples' },
    })}`,
  );

  // Backend README, 3. Cluster credentials: the manifest (a RoleBinding per workspace namespace) and the commands.
  const namespaces = config.shipyard.workspaces.map(ws => ws.namespace);
  const manifests = parseAllDocuments(readme.backend.code('3. Cluster credentials', 'yaml')).map(d => d.toJS());
  const binding = manifests.find(m => m.kind === 'RoleBinding');
  const rbac = [
    ...manifests.filter(m => m !== binding),
    ...namespaces.map(namespace => ({ ...binding, metadata: { ...binding.metadata, namespace } })),
  ];
  writeFileSync(join(appDir, 'shipyard-rbac.yaml'), rbac.map(m => stringify(m)).join('---\n'));
  const credentialCommands = readme.backend
    .code('3. Cluster credentials', 'sh')
    .replace(/^kubectl create namespace shipyard-dev.*$/m, namespaces.map(ns => `kubectl create namespace ${ns}`).join('\n'));
  const credentials = await sh(`${credentialCommands}\necho "SHIPYARD_CLUSTER_TOKEN=$SHIPYARD_CLUSTER_TOKEN"\necho "SHIPYARD_CLUSTER_CA_DATA=$SHIPYARD_CLUSTER_CA_DATA"`, appDir, { capture: true });
  const startEnv = { ...env };
  for (const line of credentials.split('\n')) {
    const match = line.match(/^(SHIPYARD_CLUSTER_TOKEN|SHIPYARD_CLUSTER_CA_DATA)=(.+)$/);
    if (match) startEnv[match[1]] = match[2];
  }
  if (!startEnv.SHIPYARD_CLUSTER_TOKEN || !startEnv.SHIPYARD_CLUSTER_CA_DATA) {
    throw new Error('the README\'s credential commands left SHIPYARD_CLUSTER_TOKEN or SHIPYARD_CLUSTER_CA_DATA empty');
  }

  // Backend README, 5. Check it: yarn start, then its curl commands (on this test's port).
  // Another server on these ports would answer the checks below in the app's place.
  for (const port of [backendPort, appPort]) await assertPortFree(port);
  say(`${name}: yarn start`);
  const app = startInBackground('yarn start', appDir, startEnv, join(dirname(appDir), 'start.log'));
  try {
    const backendUrl = `http://localhost:${backendPort}`;
    await waitForHttp(`${backendUrl}/api/shipyard/workspaces`, app);
    await waitForHttp(`http://localhost:${appPort}/`, app);
    // Not a README step: the catalog reads examples/entities.yaml a few seconds after the start.
    await waitForEntity(backendUrl, app);
    const check = readme.backend
      .code('5. Check it', 'sh')
      .split('\n')
      .filter(line => !/^yarn start\b/.test(line))
      .join('\n')
      .replaceAll('http://localhost:7007', backendUrl);
    const answer = await sh(check, appDir, { capture: true });
    if (!/"status":\s*"succeeded"/.test(answer) || !/"number":\s*1\b/.test(answer)) {
      throw new Error(`the README's deploy did not answer a succeeded v1:\n${answer.slice(-1500)}`);
    }
    const toFirstVersion = seconds(variantStart);
    say(`${name}: v1 of ${SERVICE} succeeded in the cluster, ${toFirstVersion} after create-app`);
    await browserSmoke(`http://localhost:${appPort}`, backendUrl, join(dirname(appDir), 'screenshots'));
    say(`${name}: the Versions and Promote tabs render in Chromium; v2 reached the Versions tab through signals`);
    return { name, cold, toFirstVersion, total: seconds(variantStart) };
  } finally {
    await app.stop();
  }
}

/** Creates the stock app with the pinned create-app, installs it and commits it as the cached base. */
async function createBaseApp(appDir, flags, baseKey) {
  say(`Creating an app with @backstage/create-app@${CREATE_APP_VERSION} ${flags.join(' ')} in ${appDir}`);
  rmSync(dirname(appDir), { recursive: true, force: true });
  mkdirSync(dirname(appDir), { recursive: true });
  await sh(`echo shipyard-adopter | npx -y @backstage/create-app@${CREATE_APP_VERSION} ${flags.join(' ')} --skip-install --path ${appDir}`, dirname(appDir));
  for (const [file, deps] of Object.entries(UPSTREAM_FIXES)) {
    edit(join(appDir, file), text => {
      const pkg = JSON.parse(text);
      Object.assign(pkg.dependencies, deps);
      return `${JSON.stringify(pkg, null, 2)}\n`;
    });
  }
  const install = Date.now();
  await sh('yarn install', appDir);
  say(`yarn install of the stock app: ${seconds(install)}`);
  await sh(`git add -A && git -c user.name=install-test -c user.email=install-test@localhost commit -q -m "stock app, installed" && echo ${baseKey} > .git/shipyard-base`, appDir);
}

/** The code block of `lang` under the heading `section` (the index-th such block). */
function markdownBlocks(file) {
  const blocks = [];
  let heading = '';
  let current;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fence = line.match(/^```(\w*)\s*$/);
    if (current) {
      if (fence && !fence[1]) {
        blocks.push(current);
        current = undefined;
      } else current.lines.push(line);
    } else if (fence) {
      current = { heading, lang: fence[1], lines: [] };
    } else if (/^#{2,4} /.test(line)) {
      heading = line.replace(/^#+ /, '').trim();
    }
  }
  return {
    code(section, lang, index = 0) {
      const found = blocks.filter(b => b.heading === section && b.lang === lang)[index];
      if (!found) throw new Error(`${file}: no ${lang} block ${index} under "${section}"`);
      return found.lines.join('\n');
    },
  };
}

/** Inserts the legacy README snippet into a stock EntityPage.tsx: the import, the card, the two routes. */
function applyEntityPageSnippet(text, snippet) {
  const importEnd = snippet.indexOf("from '@shipyard/backstage-plugin';") + "from '@shipyard/backstage-plugin';".length;
  const imports = snippet.slice(0, importEnd);
  const card = between(snippet, /^\/\/ 1\..*$/m, /^\/\/ 2\..*$/m);
  const routes = snippet.slice(snippet.search(/^\/\/ 2\..*$/m)).replace(/^\/\/.*\n/, '');
  const lastImport = [...text.matchAll(/^import [\s\S]*?;\n/gm)].pop();
  let out = `${text.slice(0, lastImport.index + lastImport[0].length)}${imports}\n${text.slice(lastImport.index + lastImport[0].length)}`;
  out = insertAfter(out, /<EntityAboutCard \/>\s*<\/Grid>\n/, card);
  out = insertAfter(out, /<EntityKubernetesContent \/>\s*<\/EntityLayout\.Route>\n/, routes);
  return out;
}

function between(text, from, to) {
  const start = text.search(from);
  const end = text.search(to);
  if (start < 0 || end < 0) throw new Error(`frontend README snippet: missing ${from} or ${to}`);
  return text.slice(start, end).replace(/^\/\/.*\n/, '');
}

function insertAfter(text, pattern, insertion) {
  const match = text.match(pattern);
  if (!match) throw new Error(`EntityPage.tsx has no ${pattern}`);
  const at = match.index + match[0].length;
  return `${text.slice(0, at)}${insertion.trimEnd()}\n${text.slice(at)}`;
}

function insertBefore(text, marker, insertion) {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`no "${marker}"`);
  return `${text.slice(0, at)}${insertion}${text.slice(at)}`;
}

function edit(file, change) {
  writeFileSync(file, change(readFileSync(file, 'utf8')));
}

/** The tarballs to install: SHIPYARD_PACKS_DIR, or freshly packed and checked. */
function packedTarballs() {
  const given = process.env.SHIPYARD_PACKS_DIR;
  if (given && existsSync(given) && readdirSync(given).some(f => f.endsWith('.tgz'))) return given;
  say('Packing the packages (scripts/check-packs.mjs --keep) …');
  const packs = spawnSync('node', [join(root, 'scripts', 'check-packs.mjs'), '--keep'], { cwd: root, stdio: 'inherit' });
  if (packs.status !== 0) throw new Error('check-packs failed; no tarballs to install');
  return join(root, '.cache', 'packs', 'tarballs');
}

/** `yarn` from the pinned create-app's template (what an app brings) and `kubectl` for the local cluster. */
function toolShims() {
  const dir = join(cacheDir, 'bin');
  const createApp = join(cacheDir, `create-app-${CREATE_APP_VERSION}`);
  if (!existsSync(join(createApp, 'package.json'))) {
    mkdirSync(createApp, { recursive: true });
    const packed = spawnSync('npm', ['pack', `@backstage/create-app@${CREATE_APP_VERSION}`, '--silent'], {
      cwd: createApp,
      encoding: 'utf8',
    });
    if (packed.status !== 0) throw new Error(`npm pack @backstage/create-app failed: ${packed.stderr}`);
    spawnSync('tar', ['-xzf', packed.stdout.trim(), '--strip-components=1'], { cwd: createApp });
  }
  const releases = join(createApp, 'templates', 'default-app', '.yarn', 'releases');
  const yarn = readdirSync(releases).find(f => /^yarn-.*\.cjs$/.test(f));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'yarn'), `#!/bin/sh\nexec node "${join(releases, yarn)}" "$@"\n`);
  writeFileSync(
    join(dir, 'kubectl'),
    `#!/bin/sh\nexec bash "${join(root, 'tools', 'local-cluster', 'cluster.sh')}" kubectl "${cluster.name}" -- "$@"\n`,
  );
  chmodSync(join(dir, 'yarn'), 0o755);
  chmodSync(join(dir, 'kubectl'), 0o755);
  return dir;
}

/** Yarn's global cache keeps a tarball by name and version: drop last run's @shipyard ones. */
function forgetCachedShipyardPackages() {
  const folder = spawnSync('yarn', ['config', 'get', 'globalFolder'], { cwd: cacheDir, env, encoding: 'utf8' }).stdout.trim();
  const cache = join(folder || join(homedir(), '.yarn', 'berry'), 'cache');
  if (!existsSync(cache)) return;
  for (const file of readdirSync(cache).filter(f => f.startsWith('@shipyard-'))) rmSync(join(cache, file), { force: true });
}

/** Deletes the namespaces an earlier run deployed into, so every run starts from an empty cluster. */
async function resetNamespaces() {
  await sh('kubectl delete namespace adopter-dev adopter-staging adopter-prod --ignore-not-found --wait --timeout=120s', cacheDir);
}

function sh(script, cwd, { capture = false } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', chunk => (out += chunk));
    child.on('exit', code =>
      code === 0 ? resolvePromise(out) : reject(new Error(`exit ${code} from:\n${script}\n${out.slice(-2000)}`)),
    );
  });
}

function startInBackground(command, cwd, startEnv, logFile) {
  const log = [];
  const child = spawn('bash', ['-c', `exec ${command} > "${logFile}" 2>&1`], { cwd, env: startEnv, detached: true, stdio: 'ignore' });
  child.on('exit', code => log.push(code));
  return {
    exited: () => log.length > 0,
    logTail: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : ''),
    /** Stops the whole process group and waits until its ports are free (SIGKILL after 20 s). */
    async stop() {
      const signal = name => {
        try {
          process.kill(-child.pid, name);
          return true;
        } catch {
          return false; // the group is gone
        }
      };
      signal('SIGTERM');
      for (let waited = 0; waited < 20_000 && signal(0); waited += 500) await new Promise(r => setTimeout(r, 500));
      signal('SIGKILL');
    },
  };
}

function assertPortFree(port) {
  return new Promise((resolvePromise, reject) => {
    const server = createServer()
      .once('error', () => reject(new Error(`port ${port} is in use by another process; the ${Object.keys(VARIANTS).join(' and ')} apps need ${Object.values(VARIANTS).map(v => `${v.backendPort}/${v.appPort}`).join(' and ')}`)))
      .listen(port, () => server.close(() => resolvePromise()));
  });
}

async function until(condition, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

async function waitForHttp(url, app, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.exited()) throw new Error(`yarn start exited before ${url} answered:\n${app.logTail()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise(r => setTimeout(r, 1000));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s:\n${app.logTail()}`);
}

async function guestToken(backendUrl) {
  const { backstageIdentity } = await (await fetch(`${backendUrl}/api/auth/guest/refresh`, { method: 'POST' })).json();
  return backstageIdentity.token;
}

async function waitForEntity(backendUrl, app, timeoutMs = 120_000) {
  const token = await guestToken(backendUrl);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.exited()) throw new Error(`yarn start exited:\n${app.logTail()}`);
    const response = await fetch(`${backendUrl}/api/catalog/entities/by-name/component/default/payments`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.ok) return;
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`the catalog did not ingest ${SERVICE} within ${timeoutMs / 1000}s`);
}

/**
 * Signs in as the guest and opens the Versions and Promote tabs of the
 * service. On the Versions tab, with the page's timers stopped (so it cannot
 * poll), a second deploy through the API must appear: the stock app's
 * signals plugins carry it, as the READMEs say.
 */
async function browserSmoke(appUrl, backendUrl, screenshots) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  mkdirSync(screenshots, { recursive: true });
  const subscribed = [];
  page.on('websocket', socket => {
    if (socket.url().includes('/api/signals')) socket.on('framesent', frame => subscribed.push(String(frame.payload)));
  });
  try {
    page.setDefaultTimeout(120_000);
    await page.clock.install();
    // The guest sign-in page, wherever the app shows it (the legacy app signs the guest in by
    // itself): whichever of it and the entity page's tabs renders first, as a cold dev server
    // may still be loading when the network first goes quiet.
    const enter = page.getByRole('button', { name: 'Enter' });
    const versionsTab = page.getByText('Versions', { exact: true }).first();
    await page.goto(`${appUrl}/catalog/default/component/payments`);
    await enter.or(versionsTab).first().waitFor();
    if (await enter.isVisible()) {
      await enter.click();
      await enter.waitFor({ state: 'hidden' });
    }
    await versionsTab.click();
    await page.waitForURL(/\/versions/);
    await page.getByText('first deploy').first().waitFor();
    await until(() => subscribed.some(f => f.includes(`shipyard:${SERVICE}`)), 'the page to subscribe to its signals');
    await page.clock.pauseAt(new Date(Date.now() + 1000));
    const second = await fetch(`${backendUrl}/api/shipyard/services/component/default/payments/workspaces/dev/versions?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await guestToken(backendUrl)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        spec: { image: 'nginxinc/nginx-unprivileged:1.27', ports: [{ name: 'http', port: 8080 }], replicas: 1, env: { DEPLOYED: 'second' } },
        message: 'second deploy',
      }),
    });
    if (second.status !== 201) throw new Error(`the second deploy answered ${second.status}: ${await second.text()}`);
    await until(async () => (await page.getByText('second deploy').count()) > 0, 'v2 on the Versions tab through signals', 60_000);
    await page.clock.resume();
    await page.screenshot({ path: join(screenshots, 'versions.png') });
    await page.getByText('Promote', { exact: true }).first().click();
    await page.waitForURL(/\/promote/);
    await page.getByText('prod', { exact: false }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(screenshots, 'promote.png') });
  } catch (error) {
    await page.screenshot({ path: join(screenshots, 'failure.png') }).catch(() => {});
    throw new Error(`${error.message.split('\n')[0]} (at ${page.url()}; screenshot ${join(screenshots, 'failure.png')})`);
  } finally {
    await browser.close();
  }
}
