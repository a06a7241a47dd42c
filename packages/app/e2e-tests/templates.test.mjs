/*
 * The example scaffolder templates, the CLI and an MCP client against the
 * running backend and the local control plane, as a platform team would use
 * them: "New service" creates an entity and deploys v1 to dev, "Release"
 * promotes it to staging, the `shipyard` CLI deploys and rolls back with a
 * user token, and an assistant lists Shipyard's tools and plans a promotion.
 * Every change ends with a version whose rollout succeeded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
// The MCP SDK comes with @backstage/plugin-mcp-actions-backend (a backend dependency);
// only this test uses it as a client.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
// eslint-disable-next-line @backstage/no-undeclared-imports
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  BACKEND_URL,
  ROLLOUT_TIMEOUT_MS,
  guestToken,
  missingPrerequisite,
  shipyardApi,
  uniqueTag,
} from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const inCI = process.env.CI === 'true';

/** Runs a template through the scaffolder's API and waits for its task to finish. */
async function runTemplate(token, templateRef, values) {
  const headers = {
    Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json',
  };
  const created = await fetch(`${BACKEND_URL}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ templateRef, values }),
  });
  assert.equal(
    created.status,
    201,
    `creating the task: ${await created.clone().text()}`,
  );
  const { id } = await created.json();
  const deadline = Date.now() + ROLLOUT_TIMEOUT_MS + 60_000;
  for (;;) {
    const task = await (
      await fetch(`${BACKEND_URL}/api/scaffolder/v2/tasks/${id}`, { headers })
    ).json();
    if (
      task.status === 'completed' ||
      task.status === 'failed' ||
      task.status === 'cancelled'
    ) {
      if (task.status !== 'completed') {
        const events = await (
          await fetch(`${BACKEND_URL}/api/scaffolder/v2/tasks/${id}/events`, {
            headers,
          })
        ).json();
        const log = events
          .filter(e => e.type === 'log')
          .map(e => e.body.message)
          .slice(-15)
          .join('\n');
        assert.fail(`task ${templateRef} ${task.status}:\n${log}`);
      }
      return task;
    }
    assert.ok(
      Date.now() < deadline,
      `task ${templateRef} did not finish in time`,
    );
    await new Promise(r => setTimeout(r, 500));
  }
}

/** The CLI of this repository, as `npx shipyard` runs it, with the guest's token. */
function shipyardCli(token, ...args) {
  const result = spawnSync(join(root, 'packages/cli/bin/shipyard'), args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      SHIPYARD_URL: BACKEND_URL,
      SHIPYARD_TOKEN: token,
      CI: 'true',
    },
    timeout: ROLLOUT_TIMEOUT_MS,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('templates, the CLI and an assistant against the running backend', async () => {
  const missing = await missingPrerequisite();
  if (missing) {
    if (inCI) throw new Error(missing);
    it.skip(`skipped: ${missing}`, () => {});
    return;
  }
  let token;
  let api;
  const name = uniqueTag('tpl');
  const ref = `component:default/${name}`;

  before(async () => {
    token = await guestToken();
    api = shipyardApi(token);
  });
  after(() => {});

  it(
    '"New service" registers the entity and deploys v1 to dev, and the rollout succeeds',
    { timeout: 300_000 },
    async () => {
      const task = await runTemplate(
        token,
        'template:default/shipyard-new-service',
        {
          name,
          description: 'made by the e2e test',
          owner: 'group:default/platform',
          image: 'ghcr.io/acme/hello:1.0.0',
          port: 8080,
          replicas: 1,
        },
      );
      assert.equal(task.status, 'completed');
      const dev = await api.workspace(ref, 'dev');
      assert.equal(dev.currentVersion.number, 1);
      assert.equal(
        dev.currentVersion.status,
        'succeeded',
        dev.currentVersion.statusMessage,
      );
      assert.equal(dev.currentVersion.origin.type, 'scaffolder');
    },
  );

  it(
    '"Release" plans and promotes it from dev to staging, and the rollout succeeds',
    { timeout: 300_000 },
    async () => {
      await runTemplate(token, 'template:default/shipyard-release', {
        service: ref,
        source: 'dev',
        target: 'staging',
        reason: 'first release, from the e2e test',
      });
      const staging = await api.workspace(ref, 'staging');
      assert.equal(
        staging.currentVersion.status,
        'succeeded',
        staging.currentVersion.statusMessage,
      );
      assert.deepEqual(
        {
          type: staging.currentVersion.origin.type,
          workspace: staging.currentVersion.origin.workspace,
        },
        { type: 'promotion', workspace: 'dev' },
      );
    },
  );

  it(
    'the CLI deploys with --wait, reports a bad spec file with its line, and rolls back',
    { timeout: 300_000 },
    async t => {
      const dir = mkdtempSync(join(tmpdir(), 'shipyard-cli-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const good = join(dir, 'shipyard.yaml');
      writeFileSync(
        good,
        'image: ghcr.io/acme/hello:1.1.0\nports:\n  - { name: http, port: 8080 }\nreplicas: 1\n',
      );
      const deployed = shipyardCli(
        token,
        'deploy',
        '--service',
        ref,
        '--workspace',
        'dev',
        '-f',
        good,
        '--wait',
        '--message',
        'from the CLI',
      );
      assert.equal(deployed.code, 0, deployed.stderr);
      assert.match(
        deployed.stdout,
        new RegExp(`${ref} v2 in dev \\(cli\\): succeeded`),
      );

      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'image: ghcr.io/acme/hello:1.2.0\nreplicas: -1\n');
      const refused = shipyardCli(
        token,
        'deploy',
        '--service',
        ref,
        '--workspace',
        'dev',
        '-f',
        bad,
      );
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /bad\.yaml:2: replicas/);

      const rolledBack = shipyardCli(
        token,
        'rollback',
        '--service',
        ref,
        '--workspace',
        'dev',
        '--to',
        '1',
        '--reason',
        'e2e',
        '--wait',
      );
      assert.equal(rolledBack.code, 0, rolledBack.stderr);
      const dev = await api.workspace(ref, 'dev');
      assert.equal(dev.currentVersion.number, 3);
      assert.equal(dev.currentVersion.status, 'succeeded');
      assert.equal(dev.currentVersion.origin.version, 1);
    },
  );

  it(
    'an MCP client lists Shipyard’s tools and plans a promotion with the user’s token',
    { timeout: 60_000 },
    async () => {
      const client = new Client({ name: 'shipyard-e2e', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(
          new URL(`${BACKEND_URL}/api/mcp-actions/v1`),
          {
            requestInit: { headers: { Authorization: `Bearer ${token}` } },
          },
        ),
      );
      try {
        const { tools } = await client.listTools();
        const names = tools
          .map(t => t.name)
          .filter(n => n.startsWith('shipyard.'))
          .sort();
        assert.deepEqual(names, [
          'shipyard.deploy',
          'shipyard.diff-versions',
          'shipyard.list-versions',
          'shipyard.plan-promotion',
          'shipyard.promote',
          'shipyard.rollback',
        ]);
        const planned = await client.callTool({
          name: 'shipyard.plan-promotion',
          arguments: { entityRef: ref, source: 'dev', target: 'staging' },
        });
        assert.ok(!planned.isError, JSON.stringify(planned.content));
        assert.match(planned.structuredContent.planHash, /^[0-9a-f]{16,}$/);
        assert.equal(planned.structuredContent.source.workspace, 'dev');
      } finally {
        await client.close();
      }
    },
  );
});
