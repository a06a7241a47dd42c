#!/usr/bin/env node
/*
 * npm start: installs what is missing, starts the local Kubernetes control
 * plane (unless app-config.local.yaml configures your own clusters), then
 * the backend (:7007) and the frontend (:3000) with SQLite and a demo catalog.
 *
 * A local demo: guest sign-in, the allow-all permission policy and the local
 * cluster's admin token, so both servers listen on 127.0.0.1 only
 * (app-config.yaml); README "Demo and production" shows the real setup.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ensureCluster, ensureDependencies, readCluster, root, say, writeClusterConfig } from './lib/services.mjs';

ensureDependencies();

const configs = [join(root, 'app-config.yaml')];
const local = join(root, 'app-config.local.yaml');
if (existsSync(local)) {
  say('Using the clusters of app-config.local.yaml; the local control plane is not started.');
  configs.push(local);
} else {
  say('Starting the local Kubernetes control plane (the first build takes several minutes) …');
  const stateFile = ensureCluster('default');
  if (stateFile) {
    configs.push(writeClusterConfig([{ name: 'local', info: readCluster(stateFile) }]));
    say('Cluster "local" is up. kubectl: npm run cluster -- kubectl default -- get pods -A');
  } else {
    say('No cluster: versions are recorded but not applied.');
  }
}

const args = ['backstage-cli', 'repo', 'start', ...configs.flatMap(c => ['--config', c])];
say(`Starting Backstage: http://localhost:3000 (backend http://localhost:7007), on 127.0.0.1 only …`);
say('This is a local demo: anyone who reaches it signs in as a guest and may do anything. See README "Demo and production".');
const child = spawn('npx', args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', code => process.exit(code ?? 0));
