import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { runCli } from './program';
// The backend's test harness is not part of its published API.
/* eslint-disable @backstage/no-relative-monorepo-imports */
import {
  failed,
  FakeClusterGateway,
  succeeded,
} from '../../../plugins/shipyard-backend/src/__testUtils__/FakeClusterGateway';
import {
  startShipyard,
  workspacesConfig,
} from '../../../plugins/shipyard-backend/src/__testUtils__/startShipyard';
/* eslint-enable @backstage/no-relative-monorepo-imports */

/*
 * The CLI against the real Shipyard plugin in a test backend, on a fake
 * cluster: what a pipeline sees on stdout, stderr and in the exit code.
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const token = mockCredentials.user.token();
const BIN = resolve(__dirname, '../bin/shipyard');
const PAYMENTS = ['--service', 'component:default/payments'];

const progressing = (ready: number) => ({
  state: 'progressing' as const,
  progress: {
    desiredReplicas: 2,
    updatedReplicas: 2,
    readyReplicas: ready,
    availableReplicas: ready,
  },
  message: `${ready} of 2 ready`,
});

const spec = (image: string, env: Record<string, string> = {}) =>
  [
    `image: ${image}`,
    'ports:',
    '  - name: http',
    '    port: 8080',
    'replicas: 2',
    'env:',
    '  LOG_LEVEL: info',
    ...Object.entries(env).map(([key, value]) => `  ${key}: ${value}`),
  ].join('\n');

describe('shipyard against a running backend', () => {
  let gateway: FakeClusterGateway;
  let url: string;
  let dir: string;
  let stop: () => Promise<void>;

  /** A backend on a fresh database; a test restarts it with `config` of its own. */
  async function startBackend(config?: object) {
    const knex = await databases.init('SQLITE_3');
    gateway = new FakeClusterGateway();
    const started = await startShipyard(knex, { gateway, config });
    url = `http://localhost:${started.server.port()}`;
    stop = () => started.backend.stop();
  }

  beforeEach(async () => {
    await startBackend();
    dir = await mkdtemp(join(tmpdir(), 'shipyard-cli-'));
  });
  afterEach(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI in this process, as a pipeline would with SHIPYARD_URL and SHIPYARD_TOKEN set. */
  async function shipyard(...args: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { SHIPYARD_URL: url, SHIPYARD_TOKEN: token },
      cwd: dir,
    });
    return { code, stdout, stderr };
  }

  const writeSpec = (name: string, text: string) =>
    writeFile(join(dir, name), text);

  it('deploys a spec file as the next version, origin cli, and shows it in the history', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    const first = await shipyard(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '-f',
      'shipyard.yaml',
      '--message',
      'first release',
    );
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      /^component:default\/payments v1 in dev \(cli\): /,
    );

    const history = await shipyard(
      'history',
      ...PAYMENTS,
      '--workspace',
      'dev',
    );
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(
      /\* v1 +\S+ +cli +user:default\/mock .* first release\n$/,
    );

    const json = JSON.parse(
      (await shipyard('history', ...PAYMENTS, '--workspace', 'dev', '--json'))
        .stdout,
    );
    expect(json.items[0]).toMatchObject({
      number: 1,
      origin: { type: 'cli' },
      message: 'first release',
    });
  });

  it('replaces the file’s image with --image, validated like the file', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    const built = await shipyard(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--image',
      'ghcr.io/acme/payments:sha-4f2a9c1',
    );
    expect(built.code).toBe(0);
    const json = JSON.parse(
      (await shipyard('history', ...PAYMENTS, '--workspace', 'dev', '--json'))
        .stdout,
    );
    expect(json.items[0].spec.image).toBe('ghcr.io/acme/payments:sha-4f2a9c1');

    const bad = await shipyard(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--image',
      'not an image',
    );
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error: --image: image: .+\n$/),
    });
  });

  it('follows the rollout with --wait, one plain line per change, and exits 0 once it succeeded', async () => {
    gateway.rollouts = [
      progressing(0),
      progressing(0),
      progressing(1),
      succeeded(),
    ];
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    const result = await shipyard(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--wait',
    );
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').pop()).toBe(
      'component:default/payments v1 in dev (cli): succeeded',
    );
    const lines = result.stderr
      .trim()
      .split('\n')
      .map(line => line.replace(/^\[\d+s\] /, ''));
    expect(lines[lines.length - 1]).toBe('v1 in dev: succeeded');
    expect(new Set(lines).size).toBe(lines.length);
  });

  it('exits 1 with the cluster’s reason when the rollout fails', async () => {
    gateway.rollouts = [
      progressing(0),
      failed('ReplicaSet "payments-5f7" has timed out progressing.'),
    ];
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    const result = await shipyard(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--wait',
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toBe(
      'error: v1 in dev: failed: ReplicaSet "payments-5f7" has timed out progressing.',
    );
  });

  it('refuses a bad spec file before sending it, naming the field and its line', async () => {
    await writeSpec(
      'shipyard.yaml',
      [
        'image: ghcr.io/acme/payments:1.0.0',
        'ports:',
        '  - name: http',
        '    port: 8080',
        'replicas: -1',
      ].join('\n'),
    );
    const result = await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: shipyard\.yaml:5: replicas: .+\n$/);
    expect(gateway.applied).toHaveLength(0);
    expect(
      (await shipyard('history', ...PAYMENTS, '--workspace', 'dev')).stdout,
    ).toBe('No versions yet.\n');
  });

  it('refuses a spec reading a missing Secret key with exit 3, and deploys it with --allow-missing-references', async () => {
    await writeSpec(
      'shipyard.yaml',
      `image: ghcr.io/acme/payments:1.0.0\nenv:\n  DB_PASSWORD: { secretKeyRef: { name: payments-db, key: password } }\n`,
    );
    const args = [
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '-f',
      'shipyard.yaml',
    ];
    const refused = await shipyard(...args);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/payments-db/);
    const deployed = await shipyard(...args, '--allow-missing-references');
    expect(deployed).toMatchObject({ code: 0, stderr: '' });
    expect(deployed.stdout).toMatch(/v1 in dev \(cli\)/);
  });

  it('deploys and promotes into a frozen workspace only with --freeze-override and a reason', async () => {
    await stop();
    const yearEnd = {
      name: 'year end',
      start: '2000-01-01T00:00:00Z',
      end: '2999-01-01T00:00:00Z',
    };
    await startBackend({
      shipyard: {
        workspaces: workspacesConfig.shipyard.workspaces.map(ws =>
          ws.name === 'staging' ? { ...ws, freezes: [yearEnd] } : ws,
        ),
      },
    });
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    const deployTo = (workspace: string, ...more: string[]) =>
      shipyard('deploy', ...PAYMENTS, '--workspace', workspace, ...more);

    const frozen = await deployTo('staging');
    expect(frozen.code).toBe(3);
    expect(frozen.stderr).toMatch(
      /^error: 409 Conflict: staging is frozen \('year end'\) until 2999-01-01T00:00:00\.000Z; a deploy needs freezeOverride/,
    );
    const blank = await deployTo('staging', '--freeze-override', ' ');
    expect(blank).toMatchObject({
      code: 2,
      stderr:
        'error: --freeze-override: give the reason, e.g. --freeze-override "hotfix for INC-42"\n',
    });
    const overridden = await deployTo(
      'staging',
      '--freeze-override',
      'hotfix for INC-42',
    );
    expect(overridden).toMatchObject({ code: 0, stderr: '' });
    expect(overridden.stdout).toMatch(/v1 in staging \(cli\)/);

    expect((await deployTo('dev', '--wait')).code).toBe(0);
    const promoteToStaging = (...more: string[]) =>
      shipyard(
        'promote',
        ...PAYMENTS,
        '--from',
        'dev',
        '--to',
        'staging',
        ...more,
      );
    const blocked = await promoteToStaging();
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain(
      "Blockers:\n  staging is frozen ('year end') until 2999-01-01T00:00:00.000Z\n",
    );
    const promoted = await promoteToStaging(
      '--freeze-override',
      'INC-42 follow-up',
    );
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).not.toMatch(/Blockers:/);
    expect(promoted.stdout).toContain(
      'Overridden:\n  staging is frozen (\'year end\') until 2999-01-01T00:00:00.000Z: --freeze-override "INC-42 follow-up"\n',
    );
    const history = JSON.parse(
      (
        await shipyard(
          'history',
          ...PAYMENTS,
          '--workspace',
          'staging',
          '--json',
        )
      ).stdout,
    );
    expect(history.items.map((v: any) => [v.number, v.origin.type])).toEqual([
      [2, 'promotion'],
      [1, 'cli'],
    ]);
  });

  it('exits 3 on a 409, with the backend’s reason', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    expect(
      (await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait'))
        .code,
    ).toBe(0);
    const stale = await shipyard(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--expect-current',
      '0',
    );
    expect(stale.code).toBe(3);
    expect(stale.stderr).toMatch(/^error: 409 Conflict: .*\n$/);
  });

  it('promotes with --set-env: blocked without the value, naming it; promoted with it', async () => {
    await writeSpec('staging.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    await writeSpec('prod.yaml', spec('ghcr.io/acme/payments:0.9.0'));
    expect(
      (
        await shipyard(
          'deploy',
          ...PAYMENTS,
          '--workspace',
          'prod',
          '-f',
          'prod.yaml',
          '--wait',
        )
      ).code,
    ).toBe(0);
    await writeSpec(
      'staging.yaml',
      spec('ghcr.io/acme/payments:1.1.0', {
        FLAGS_URL: 'https://flags.staging.acme.com',
      }),
    );
    expect(
      (
        await shipyard(
          'deploy',
          ...PAYMENTS,
          '--workspace',
          'staging',
          '-f',
          'staging.yaml',
          '--wait',
        )
      ).code,
    ).toBe(0);

    const blocked = await shipyard(
      'promote',
      ...PAYMENTS,
      '--from',
      'staging',
      '--to',
      'prod',
    );
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain(
      'Promotion plan for component:default/payments: staging v1 -> prod v1',
    );
    expect(blocked.stdout).toMatch(
      /will change \(from source\) +image +ghcr\.io\/acme\/payments:0\.9\.0 -> ghcr\.io\/acme\/payments:1\.1\.0/,
    );
    expect(blocked.stdout).toMatch(
      /needs your input +env\.FLAGS_URL +source has https:\/\/flags\.staging\.acme\.com/,
    );
    expect(blocked.stderr).toMatch(
      /^error: the plan has 1 unresolved blocker: env\.FLAGS_URL .*\n$/,
    );

    const promoted = await shipyard(
      'promote',
      ...PAYMENTS,
      '--from',
      'staging',
      '--to',
      'prod',
      '--set-env',
      'FLAGS_URL=https://flags.acme.com',
      '--reason',
      'release 1.1.0',
      '--wait',
    );
    expect(promoted).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/v2 in prod: succeeded\n$/),
    });
    expect(promoted.stdout.trim().split('\n').pop()).toBe(
      'component:default/payments v2 in prod (promoted from staging v1): succeeded',
    );
    // A literal given with --set-env may be a secret: never echoed.
    expect(promoted.stdout).not.toContain('https://flags.acme.com');
    const prod = JSON.parse(
      (await shipyard('history', ...PAYMENTS, '--workspace', 'prod', '--json'))
        .stdout,
    );
    expect(prod.items[0]).toMatchObject({
      number: 2,
      origin: { type: 'promotion', workspace: 'staging', version: 1 },
      message: 'release 1.1.0',
      spec: {
        image: 'ghcr.io/acme/payments:1.1.0',
        env: { LOG_LEVEL: 'info', FLAGS_URL: 'https://flags.acme.com' },
      },
    });
  });

  it('prints a plan without executing it with --plan-only', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    expect(
      (
        await shipyard(
          'deploy',
          ...PAYMENTS,
          '--workspace',
          'staging',
          '--wait',
        )
      ).code,
    ).toBe(0);
    const plan = await shipyard(
      'promote',
      ...PAYMENTS,
      '--from',
      'staging',
      '--to',
      'prod',
      '--plan-only',
      '--json',
    );
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({
      firstPromotion: true,
      planHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(
      (await shipyard('history', ...PAYMENTS, '--workspace', 'prod')).stdout,
    ).toBe('No versions yet.\n');
  });

  it('rolls back to the previous version and diffs two versions', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait');
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.1.0'));
    await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait');

    const back = await shipyard(
      'rollback',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--to',
      'previous',
      '--reason',
      '1.1.0 leaks',
      '--wait',
    );
    expect(back.code).toBe(0);
    expect(back.stdout.trim().split('\n').pop()).toBe(
      'component:default/payments v3 in dev (rollback of v1): succeeded',
    );

    const diff = await shipyard(
      'diff',
      ...PAYMENTS,
      '--from',
      'dev:2',
      '--to',
      'dev',
    );
    expect(diff).toMatchObject({ code: 0, stderr: '' });
    expect(diff.stdout).toBe(
      'dev:2 -> dev:3: 1 change\n~ image: ghcr.io/acme/payments:1.1.0 -> ghcr.io/acme/payments:1.0.0\n',
    );
  });

  it('rolls back past versions with the current spec to the previous one, as the scaffolder action does', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait');
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.1.0'));
    await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait');
    await shipyard('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait');

    const back = await shipyard(
      'rollback',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--to',
      'previous',
    );
    expect(back.code).toBe(0);
    expect(back.stdout).toContain('v4 in dev (rollback of v1)');
  });

  it('exits 2 naming a missing option, and 1 with the backend’s reason for an unknown workspace', async () => {
    const missing = await shipyard('deploy', '--workspace', 'dev');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      "error: required option '--service <ref>' not specified",
    );

    const unknownWorkspace = await shipyard(
      'history',
      ...PAYMENTS,
      '--workspace',
      'qa',
    );
    expect(unknownWorkspace).toMatchObject({
      code: 1,
      stderr:
        "error: 404 Not Found: workspace: 'qa' is not configured; known workspaces are dev, staging, prod\n",
    });
  });

  it('exits 4 when the backend cannot be reached', async () => {
    const result = await runCli(
      [
        'history',
        ...PAYMENTS,
        '--workspace',
        'dev',
        '--url',
        'http://127.0.0.1:9',
      ],
      {
        stdout: { write: () => {} },
        stderr: {
          write: (text: string) =>
            expect(text).toMatch(
              /^error: cannot reach the Shipyard backend at http:\/\/127\.0\.0\.1:9: /,
            ),
        },
        env: { SHIPYARD_TOKEN: token },
        cwd: dir,
      },
    );
    expect(result).toBe(4);
  });

  it('runs as a process: the bin script from source, its exit codes real', async () => {
    await writeSpec('shipyard.yaml', spec('ghcr.io/acme/payments:1.0.0'));
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>(done => {
        execFile(
          process.execPath,
          [BIN, ...args],
          {
            cwd: dir,
            env: { ...process.env, SHIPYARD_URL: url, SHIPYARD_TOKEN: token },
          },
          (error, stdout, stderr) =>
            done({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });

    const ok = await run('deploy', ...PAYMENTS, '--workspace', 'dev', '--wait');
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('v1 in dev (cli): succeeded'),
    });

    gateway.rollouts = [failed('0 of 2 pods ready: ImagePullBackOff')];
    const broken = await run(
      'deploy',
      ...PAYMENTS,
      '--workspace',
      'dev',
      '--wait',
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /error: v2 in dev: failed: 0 of 2 pods ready: ImagePullBackOff\n$/,
    );
  });
});

describe('shipyard with a static external-access token', () => {
  const STATIC_TOKEN = 'shipyard-ci-0123456789abcdef';

  it('deploys as the token’s subject, with the configuration the README documents', async () => {
    const knex = await databases.init('SQLITE_3');
    const { backend, server } = await startShipyard(knex, {
      gateway: new FakeClusterGateway(),
      config: {
        ...workspacesConfig,
        backend: {
          auth: {
            externalAccess: [
              {
                type: 'static',
                options: { token: STATIC_TOKEN, subject: 'shipyard-ci' },
                accessRestrictions: [
                  {
                    plugin: 'shipyard',
                    permission: [
                      'shipyard.version.read',
                      'shipyard.version.deploy',
                      'shipyard.version.rollback',
                      'shipyard.promotion.execute',
                      'shipyard.workspace.protected.update',
                    ],
                  },
                  { plugin: 'catalog' },
                ],
              },
            ],
          },
        },
      },
      // The real token handling instead of the test backend's mock.
      features: [authServiceFactory, httpAuthServiceFactory],
    });
    const dir = await mkdtemp(join(tmpdir(), 'shipyard-cli-'));
    try {
      await writeFile(join(dir, 'shipyard.yaml'), 'image: nginx:1.27\n');
      const run = async (...args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await runCli(args, {
          stdout: { write: (text: string) => (stdout += text) },
          stderr: { write: (text: string) => (stderr += text) },
          env: { SHIPYARD_URL: `http://localhost:${server.port()}` },
          cwd: dir,
        });
        return { code, stdout, stderr };
      };

      expect(
        await run(
          'deploy',
          ...PAYMENTS,
          '--workspace',
          'dev',
          '--wait',
          '--token',
          STATIC_TOKEN,
        ),
      ).toMatchObject({
        code: 0,
        stderr: expect.stringMatching(/v1 in dev: succeeded\n$/),
      });
      const history = await run(
        'history',
        ...PAYMENTS,
        '--workspace',
        'dev',
        '--json',
        '--token',
        STATIC_TOKEN,
      );
      expect(JSON.parse(history.stdout).items[0]).toMatchObject({
        origin: { type: 'cli' },
        createdBy: 'service:shipyard-ci',
      });

      const refused = await run(
        'history',
        ...PAYMENTS,
        '--workspace',
        'dev',
        '--token',
        'not-the-token',
      );
      expect(refused).toMatchObject({
        code: 4,
        stderr: expect.stringMatching(/^error: 401 Unauthorized: /),
      });
    } finally {
      await backend.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
