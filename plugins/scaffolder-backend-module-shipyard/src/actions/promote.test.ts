import {
  actionTemplate,
  ScaffolderWithShipyard,
  startScaffolderWithShipyard,
} from '../__testUtils__/startScaffolderWithShipyard';

jest.setTimeout(60_000);

const PAYMENTS = '/services/component/default/payments';
const devSpec = {
  image: 'ghcr.io/acme/payments:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'debug' },
  replicas: 1,
};
const promoteTemplate = actionTemplate('promote', 'shipyard:promote', [
  'entityRef',
  'source',
  'target',
  'inputs',
  'reason',
  'wait',
  'planOnly',
  'planHash',
]);

describe('shipyard:promote', () => {
  let app: ScaffolderWithShipyard;
  const versionsIn = async (workspace: string) =>
    (await app.shipyard('get', `${PAYMENTS}/workspaces/${workspace}/versions`))
      .items;

  beforeAll(async () => {
    app = await startScaffolderWithShipyard({ templates: [promoteTemplate] });
    await app.shipyard(
      'post',
      `${PAYMENTS}/workspaces/dev/versions?wait=true`,
      { spec: devSpec },
    );
  });
  afterAll(() => app.stop());
  afterEach(() => app.denied.clear());

  it('in a dry run, outputs the plan and the version it would create, and changes nothing', async () => {
    const result = await app.dryRun(promoteTemplate, {
      entityRef: 'component:default/payments',
      source: 'dev',
      target: 'staging',
    });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({
      version: 1,
      status: 'dry-run',
      plan: {
        source: { workspace: 'dev', version: 1 },
        target: { workspace: 'staging' },
        firstPromotion: true,
        spec: devSpec,
        blockers: [],
        planHash: expect.any(String),
      },
    });
    expect(result.log).toContainEqual(
      'Dry run: would promote component:default/payments from dev v1 to staging as v1',
    );
    expect(await versionsIn('staging')).toEqual([]);
  });

  it('promotes: plans, executes that plan and waits for the rollout', async () => {
    const task = await app.run('promote', {
      entityRef: 'component:default/payments',
      source: 'dev',
      target: 'staging',
      reason: 'release 1.0.0',
      wait: true,
    });
    expect(task.error).toBeUndefined();
    expect(task.output).toMatchObject({
      version: 1,
      status: 'succeeded',
      url: 'http://localhost:3000/catalog/default/component/payments/versions?workspace=staging',
      plan: { firstPromotion: true },
    });
    expect((await versionsIn('staging'))[0]).toMatchObject({
      spec: devSpec,
      origin: { type: 'promotion', workspace: 'dev', version: 1 },
      message: 'release 1.0.0',
      createdBy: 'user:default/mock',
    });
  });

  describe('with an env key new in the source', () => {
    beforeAll(async () => {
      await app.shipyard(
        'post',
        `${PAYMENTS}/workspaces/dev/versions?wait=true`,
        {
          spec: {
            ...devSpec,
            image: 'ghcr.io/acme/payments:1.1.0',
            env: { ...devSpec.env, FLAGS_URL: 'http://flags.dev' },
          },
        },
      );
    });

    it('refuses to run, naming the blocker and where to answer it', async () => {
      const task = await app.run('promote', {
        entityRef: 'component:default/payments',
        source: 'dev',
        target: 'staging',
      });
      expect(task.status).toBe('failed');
      expect(task.error).toBe(
        'Refusing to promote dev → staging: the plan has 1 blocker the inputs do not resolve: env.FLAGS_URL is new in dev: give its value for staging (answer it in inputs.env.FLAGS_URL)',
      );
      expect(task.log).toContainEqual(
        '  env.FLAGS_URL: needs your input (source: "http://flags.dev") — new in source: give its value for staging',
      );
      expect(await versionsIn('staging')).toHaveLength(1);
    });

    it('fails the dry run the same way', async () => {
      const result = await app.dryRun(promoteTemplate, {
        entityRef: 'component:default/payments',
        source: 'dev',
        target: 'staging',
      });
      expect(result.error).toMatch(
        /^Refusing to promote dev → staging: .*env\.FLAGS_URL/,
      );
    });

    it('refuses an env value the plan does not ask for', async () => {
      const task = await app.run('promote', {
        entityRef: 'component:default/payments',
        source: 'dev',
        target: 'staging',
        inputs: {
          env: { FLAGS_URL: 'http://flags.staging', LOG_LEVEL: 'warn' },
        },
      });
      expect(task.status).toBe('failed');
      expect(task.error).toBe(
        'Refusing to promote dev → staging: the plan has 1 blocker the inputs do not resolve: env.LOG_LEVEL does not need input: the plan does not ask for it',
      );
      expect(await versionsIn('staging')).toHaveLength(1);
    });

    it('runs when the inputs answer it, and keeps what the target owns', async () => {
      const task = await app.run('promote', {
        entityRef: 'component:default/payments',
        source: 'dev',
        target: 'staging',
        inputs: { env: { FLAGS_URL: 'http://flags.staging' } },
      });
      expect(task.error).toBeUndefined();
      expect(task.output).toMatchObject({ version: 2 });
      expect((await versionsIn('staging'))[0].spec).toMatchObject({
        image: 'ghcr.io/acme/payments:1.1.0',
        env: { LOG_LEVEL: 'debug', FLAGS_URL: 'http://flags.staging' },
      });
    });
  });

  it('with planOnly, only plans; with a planHash, runs only that plan', async () => {
    await app.shipyard(
      'post',
      `${PAYMENTS}/workspaces/dev/versions?wait=true`,
      {
        spec: {
          ...devSpec,
          image: 'ghcr.io/acme/payments:1.2.0',
          env: { ...devSpec.env, FLAGS_URL: 'http://flags.dev' },
        },
      },
    );
    const planned = await app.run('promote', {
      entityRef: 'component:default/payments',
      source: 'dev',
      target: 'staging',
      planOnly: true,
    });
    expect(planned.output).toMatchObject({ version: 3, status: 'dry-run' });
    expect(await versionsIn('staging')).toHaveLength(2);

    const stale = await app.run('promote', {
      entityRef: 'component:default/payments',
      source: 'dev',
      target: 'staging',
      planHash: 'f'.repeat(64),
    });
    expect(stale.status).toBe('failed');
    expect(stale.error).toMatch(
      /^Shipyard answered 409 ConflictError: planHash: the plan is stale/,
    );

    const promoted = await app.run('promote', {
      entityRef: 'component:default/payments',
      source: 'dev',
      target: 'staging',
      planHash: planned.output.plan.planHash,
    });
    expect(promoted.error).toBeUndefined();
    expect(promoted.output).toMatchObject({ version: 3 });
  });

  it('fails the step with the 403 message when the user may not promote', async () => {
    app.denied.add('shipyard.promotion.execute');
    const task = await app.run('promote', {
      entityRef: 'component:default/payments',
      source: 'staging',
      target: 'prod',
    });
    expect(task.status).toBe('failed');
    expect(task.error).toBe(
      'Shipyard answered 403 NotAllowedError: shipyard.promotion.execute is not allowed on component:default/payments',
    );
    expect(await versionsIn('prod')).toEqual([]);
  });
});
