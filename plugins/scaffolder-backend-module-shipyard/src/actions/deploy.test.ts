import {
  actionTemplate,
  ScaffolderWithShipyard,
  startScaffolderWithShipyard,
} from '../__testUtils__/startScaffolderWithShipyard';

jest.setTimeout(60_000);

const PAYMENTS = '/services/component/default/payments';
const spec = {
  image: 'ghcr.io/acme/payments:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info' },
  replicas: 1,
};
const deployTemplate = actionTemplate('deploy', 'shipyard:deploy', [
  'entityRef',
  'workspace',
  'spec',
  'specFile',
  'message',
  'wait',
]);

describe('shipyard:deploy', () => {
  let app: ScaffolderWithShipyard;

  beforeAll(async () => {
    app = await startScaffolderWithShipyard({ templates: [deployTemplate] });
  });
  afterAll(() => app.stop());

  it('deploys a spec as the next version with the scaffolder origin, waits for the rollout and links to the Versions tab', async () => {
    const task = await app.run('deploy', {
      entityRef: 'component:default/payments',
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
      url: 'http://localhost:3000/catalog/default/component/payments/versions?workspace=dev',
    });
    const v1 = await app.shipyard('get', `${PAYMENTS}/workspaces/dev/versions/1`);
    expect(v1).toMatchObject({
      origin: { type: 'scaffolder' },
      createdBy: 'user:default/mock',
      message: 'first release',
      spec,
    });
  });
});
