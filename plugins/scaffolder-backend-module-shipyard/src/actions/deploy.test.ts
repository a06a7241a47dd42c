// Shipyard's own test fixtures; not part of the backend's published API.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  failed,
  succeeded,
} from '../../../shipyard-backend/src/__testUtils__/FakeClusterGateway';
import {
  actionTemplate,
  ScaffolderWithShipyard,
  startScaffolderWithShipyard,
} from '../__testUtils__/startScaffolderWithShipyard';

jest.setTimeout(60_000);

const LEDGER = '/services/component/default/ledger';
const spec = {
  image: 'ghcr.io/acme/ledger:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info' },
  replicas: 1,
};
const inputs = [
  'entityRef',
  'workspace',
  'spec',
  'specFile',
  'message',
  'wait',
];
const deployTemplate = actionTemplate('deploy', 'shipyard:deploy', inputs);
/** Copies the template directory's `files/` into the task workspace first. */
const deployFileTemplate = actionTemplate(
  'deploy-file',
  'shipyard:deploy',
  inputs,
  {
    before: [{ id: 'fetch', action: 'fetch:plain', input: { url: './files' } }],
  },
);

describe('shipyard:deploy', () => {
  let app: ScaffolderWithShipyard;
  const versionsIn = async (workspace: string) =>
    (await app.shipyard('get', `${LEDGER}/workspaces/${workspace}/versions`))
      .items;

  beforeAll(async () => {
    app = await startScaffolderWithShipyard({ templates: [deployTemplate] });
  });
  afterAll(() => app.stop());
  afterEach(() => {
    app.denied.clear();
    app.gateway.rollouts = [succeeded()];
  });

  it('deploys a spec as the next version with the scaffolder origin, waits for the rollout and links to the Versions tab', async () => {
    const task = await app.run('deploy', {
      entityRef: 'component:default/ledger',
      workspace: 'dev',
      spec,
      message: 'first release',
      wait: true,
    });
    expect(task.error).toBeUndefined();
    expect(task.status).toBe('completed');
    expect(task.output).toMatchObject({
      version: 1,
      status: 'succeeded',
      url: 'http://localhost:3000/catalog/default/component/ledger/versions?workspace=dev',
    });
    expect(task.log).toContainEqual(
      expect.stringMatching(/^v1 in dev: succeeded/),
    );
    const [v1] = await versionsIn('dev');
    expect(v1).toMatchObject({
      number: 1,
      origin: { type: 'scaffolder' },
      createdBy: 'user:default/mock',
      message: 'first release',
      spec,
    });
  });

  it('in a dry run, shows the diff against the current version and the number it would get, and deploys nothing', async () => {
    const before = await versionsIn('dev');
    const result = await app.dryRun(
      deployFileTemplate,
      {
        entityRef: 'ledger',
        workspace: 'dev',
        specFile: 'shipyard.yaml',
      },
      {
        'files/shipyard.yaml': [
          'image: ghcr.io/acme/ledger:1.1.0',
          'ports: [{ name: http, port: 8080 }]',
          'env: { LOG_LEVEL: debug }',
          'replicas: 1',
        ].join('\n'),
      },
    );
    expect(result.output).toMatchObject({
      version: before.length + 1,
      status: 'dry-run',
      changes: [
        {
          path: 'image',
          kind: 'changed',
          before: spec.image,
          after: 'ghcr.io/acme/ledger:1.1.0',
        },
        {
          path: 'env.LOG_LEVEL',
          kind: 'changed',
          before: 'info',
          after: 'debug',
        },
      ],
    });
    expect(result.log).toContainEqual(
      expect.stringContaining(
        `Dry run: would deploy component:default/ledger to dev as v${
          before.length + 1
        }`,
      ),
    );
    expect(await versionsIn('dev')).toEqual(before);
  });

  it('refuses a spec file with the field and line of each error, before calling Shipyard', async () => {
    const before = await versionsIn('dev');
    const result = await app.dryRun(
      deployFileTemplate,
      { entityRef: 'ledger', workspace: 'dev', specFile: 'shipyard.yaml' },
      {
        'files/shipyard.yaml': [
          'image: ghcr.io/acme/ledger:1.1.0',
          'ports:',
          '  - name: http',
          '    port: 8080',
          'replicas: -1',
          'readinessProbe: { httpGet: { path: /ready, port: metrics } }',
        ].join('\n'),
      },
    );
    expect(result.error).toMatch(
      /^specFile shipyard\.yaml: line 5: replicas: .*; line 6: readinessProbe/,
    );
    expect(await versionsIn('dev')).toEqual(before);
  });

  it('fails the step with the 403 message when the user may not deploy', async () => {
    app.denied.add('shipyard.version.deploy');
    const before = await versionsIn('staging');
    const task = await app.run('deploy', {
      entityRef: 'component:default/ledger',
      workspace: 'staging',
      spec,
    });
    expect(task.status).toBe('failed');
    expect(task.error).toBe(
      'Shipyard answered 403 NotAllowedError: shipyard.version.deploy is not allowed on component:default/ledger',
    );
    expect(await versionsIn('staging')).toEqual(before);
  });

  it('fails the step with the cluster’s message when the rollout it waits for fails', async () => {
    app.gateway.rollouts = [
      failed('ReplicaSet "ledger-7d9" has timed out progressing.'),
    ];
    const task = await app.run('deploy', {
      entityRef: 'component:default/ledger',
      workspace: 'staging',
      spec: { ...spec, image: 'ghcr.io/acme/ledger:broken' },
      wait: true,
    });
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(
      /^v\d+ failed in staging: ReplicaSet "ledger-7d9" has timed out progressing\.$/,
    );
  });

  it('names the field of an invalid inline spec', async () => {
    const task = await app.run('deploy', {
      entityRef: 'component:default/ledger',
      workspace: 'dev',
      spec: { ...spec, replicas: -1 },
    });
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/^spec: replicas: /);
  });
});
