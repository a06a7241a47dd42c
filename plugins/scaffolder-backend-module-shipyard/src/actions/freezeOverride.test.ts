import {
  actionTemplate,
  ScaffolderWithShipyard,
  startScaffolderWithShipyard,
} from '../__testUtils__/startScaffolderWithShipyard';

/*
 * shipyard:deploy and shipyard:promote into a workspace inside a freeze
 * window: the step fails naming the window, unless it gives a freezeOverride
 * with a reason and the user holds shipyard.freeze.override.
 */

jest.setTimeout(60_000);

const PAYMENTS = '/services/component/default/payments';
const ENTITY = 'component:default/payments';
const spec = {
  image: 'ghcr.io/acme/payments:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  replicas: 1,
};
const FROZEN = "staging is frozen ('year end') until 2999-01-01T00:00:00.000Z";
const deployTemplate = actionTemplate('deploy', 'shipyard:deploy', [
  'entityRef',
  'workspace',
  'spec',
  'freezeOverride',
]);
const promoteTemplate = actionTemplate('promote', 'shipyard:promote', [
  'entityRef',
  'source',
  'target',
  'freezeOverride',
]);

describe('shipyard:deploy and shipyard:promote during a freeze', () => {
  let app: ScaffolderWithShipyard;
  const versionsIn = async (workspace: string) =>
    (await app.shipyard('get', `${PAYMENTS}/workspaces/${workspace}/versions`))
      .items;

  beforeAll(async () => {
    app = await startScaffolderWithShipyard({
      templates: [deployTemplate, promoteTemplate],
      freezes: {
        staging: [
          {
            name: 'year end',
            start: '2000-01-01T00:00:00Z',
            end: '2999-01-01T00:00:00Z',
          },
        ],
      },
    });
    await app.shipyard(
      'post',
      `${PAYMENTS}/workspaces/dev/versions?wait=true`,
      { spec },
    );
  });
  afterAll(() => app.stop());
  afterEach(() => app.denied.clear());

  it('fails a deploy naming the window, and deploys with a freeze override and its reason', async () => {
    const deployToStaging = (reason?: string) =>
      app.run('deploy', {
        entityRef: ENTITY,
        workspace: 'staging',
        spec,
        ...(reason === undefined ? {} : { freezeOverride: { reason } }),
      });
    const refused = await deployToStaging();
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain(`${FROZEN}; a deploy needs freezeOverride`);

    const blank = await deployToStaging(' ');
    expect(blank.status).toBe('failed');
    expect(blank.error).toMatch(/freezeOverride/);

    app.denied.add('shipyard.freeze.override');
    const forbidden = await deployToStaging('hotfix for INC-42');
    expect(forbidden.status).toBe('failed');
    expect(forbidden.error).toMatch(/shipyard\.freeze\.override/);
    expect(await versionsIn('staging')).toEqual([]);
    app.denied.clear();

    const deployed = await deployToStaging('hotfix for INC-42');
    expect(deployed.error).toBeUndefined();
    expect(deployed.output).toMatchObject({ version: 1 });
    expect((await versionsIn('staging')).map((v: any) => v.number)).toEqual([
      1,
    ]);
  });

  it('refuses a promotion into the frozen workspace before calling Shipyard, and promotes with a freeze override', async () => {
    const refused = await app.run('promote', {
      entityRef: ENTITY,
      source: 'dev',
      target: 'staging',
    });
    expect(refused.status).toBe('failed');
    expect(refused.error).toContain(
      `Refusing to promote dev → staging: the plan has 1 blocker the inputs do not resolve: ${FROZEN}`,
    );
    const before = (await versionsIn('staging')).length;

    const promoted = await app.run('promote', {
      entityRef: ENTITY,
      source: 'dev',
      target: 'staging',
      freezeOverride: { reason: 'INC-42 follow-up' },
    });
    expect(promoted.error).toBeUndefined();
    expect(promoted.output).toMatchObject({ version: before + 1 });
    expect((await versionsIn('staging'))[0]).toMatchObject({
      number: before + 1,
      origin: { type: 'promotion', workspace: 'dev', version: 1 },
    });
  });
});
