import {
  actionTemplate,
  ScaffolderWithShipyard,
  startScaffolderWithShipyard,
} from '../__testUtils__/startScaffolderWithShipyard';

jest.setTimeout(60_000);

const LEDGER = '/services/component/default/ledger';
const spec = (tag: string) => ({
  image: `ghcr.io/acme/ledger:${tag}`,
  ports: [{ name: 'http', port: 8080 }],
  replicas: 1,
});
const rollbackTemplate = actionTemplate('rollback', 'shipyard:rollback', [
  'entityRef',
  'workspace',
  'toVersion',
  'reason',
  'wait',
]);

describe('shipyard:rollback', () => {
  let app: ScaffolderWithShipyard;
  const deploy = (workspace: string, tag: string) =>
    app.shipyard(
      'post',
      `${LEDGER}/workspaces/${workspace}/versions?wait=true`,
      {
        spec: spec(tag),
      },
    );
  const versionsIn = async (workspace: string) =>
    (await app.shipyard('get', `${LEDGER}/workspaces/${workspace}/versions`))
      .items;

  beforeAll(async () => {
    app = await startScaffolderWithShipyard({ templates: [rollbackTemplate] });
    // dev: v1 1.0.0, v2 1.0.1, v3 1.0.1 again: `previous` is v1, the last spec before the current one.
    await deploy('dev', '1.0.0');
    await deploy('dev', '1.0.1');
    await deploy('dev', '1.0.1');
  });
  afterAll(() => app.stop());
  afterEach(() => app.denied.clear());

  it("in a dry run, shows what a rollback to 'previous' would change and changes nothing", async () => {
    const result = await app.dryRun(rollbackTemplate, {
      entityRef: 'component:default/ledger',
      workspace: 'dev',
      toVersion: 'previous',
    });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({
      version: 4,
      status: 'dry-run',
      toVersion: 1,
      plan: {
        fromVersion: 3,
        toVersion: 1,
        changes: [
          {
            path: 'image',
            kind: 'changed',
            before: spec('1.0.1').image,
            after: spec('1.0.0').image,
          },
        ],
      },
    });
    expect(result.log).toContainEqual(
      "Dry run: would roll component:default/ledger back in dev from v3 to v1's spec, as v4",
    );
    expect(await versionsIn('dev')).toHaveLength(3);
  });

  it("rolls back to 'previous': a new version with the spec of the last succeeded version whose spec differs", async () => {
    const task = await app.run('rollback', {
      entityRef: 'component:default/ledger',
      workspace: 'dev',
      toVersion: 'previous',
      reason: '1.0.1 leaks connections',
      wait: true,
    });
    expect(task.error).toBeUndefined();
    expect(task.output).toMatchObject({
      version: 4,
      status: 'succeeded',
      toVersion: 1,
      url: 'http://localhost:3000/catalog/default/component/ledger/versions?workspace=dev',
    });
    const [v4] = await versionsIn('dev');
    expect(v4).toMatchObject({
      number: 4,
      spec: spec('1.0.0'),
      origin: { type: 'rollback', version: 1 },
      message: '1.0.1 leaks connections',
      createdBy: 'user:default/mock',
    });
  });

  it('rolls back to a version given by number', async () => {
    const task = await app.run('rollback', {
      entityRef: 'component:default/ledger',
      workspace: 'dev',
      toVersion: 2,
    });
    expect(task.error).toBeUndefined();
    expect(task.output).toMatchObject({ version: 5, toVersion: 2 });
    expect((await versionsIn('dev'))[0]).toMatchObject({
      spec: spec('1.0.1'),
      origin: { type: 'rollback', version: 2 },
    });
  });

  it("says why there is no 'previous' version", async () => {
    await deploy('staging', '1.0.0');
    const task = await app.run('rollback', {
      entityRef: 'component:default/ledger',
      workspace: 'staging',
      toVersion: 'previous',
    });
    expect(task.status).toBe('failed');
    expect(task.error).toBe(
      'toVersion: no version of component:default/ledger before v1 in staging succeeded with a different spec',
    );
  });

  it('fails the step with the 403 message when the user may not roll back', async () => {
    app.denied.add('shipyard.version.rollback');
    const before = await versionsIn('dev');
    const task = await app.run('rollback', {
      entityRef: 'component:default/ledger',
      workspace: 'dev',
      toVersion: 1,
    });
    expect(task.status).toBe('failed');
    expect(task.error).toBe(
      'Shipyard answered 403 NotAllowedError: shipyard.version.rollback is not allowed on component:default/ledger',
    );
    expect(await versionsIn('dev')).toEqual(before);
  });
});
