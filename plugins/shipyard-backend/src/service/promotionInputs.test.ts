import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { PromotionPlan, ServiceSpec } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard } from '../__testUtils__/startShipyard';

/*
 * The values a person gives for a promotion's needs-input keys, over HTTP:
 * a blank value is no answer, and a reference to a Secret or ConfigMap is
 * checked in the target while planning, before anyone presses Promote.
 */

jest.setTimeout(120_000);

const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();
const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('promotion inputs (%s)', databaseId => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;
  const gateway = new FakeClusterGateway();

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    const started = await startShipyard(knex, { gateway });
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());

  const deploy = async (workspace: string, spec: ServiceSpec) => {
    const res = await request(server)
      .post(`${PAYMENTS}/workspaces/${workspace}/versions?wait=true`)
      .set('Authorization', auth)
      .send({ spec });
    expect(res.status).toBe(201);
  };
  const plan = async (inputs?: object) => {
    const res = await request(server)
      .post(`${PAYMENTS}/promotions/plan`)
      .set('Authorization', auth)
      .send({ source: 'dev', target: 'staging', ...(inputs ? { inputs } : {}) });
    return res;
  };
  const versions = async (workspace: string) =>
    Number((await knex('shipyard_versions').where({ workspace }).count({ c: '*' }))[0].c);

  beforeAll(async () => {
    await deploy('staging', baseSpec);
    await deploy('dev', { ...baseSpec, env: { ...baseSpec.env, ANOTHER_KEY: 'dev-value', API_KEY: 'dev-key' } });
  });

  it('refuses a blank needs-input value and a blank literal with a 400 naming the key, and stores nothing', async () => {
    const { body: planned } = await plan();
    expect(planned.blockers.map((b: any) => b.path).sort()).toEqual(['env.ANOTHER_KEY', 'env.API_KEY']);
    const before = await versions('staging');
    for (const [key, value] of [
      ['ANOTHER_KEY', '   '],
      ['API_KEY', ''],
      ['ANOTHER_KEY', '\t\n'],
    ]) {
      const res = await request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({
          source: 'dev',
          target: 'staging',
          planHash: planned.planHash,
          inputs: { env: { ANOTHER_KEY: 'staging-value', API_KEY: 'staging-key', [key]: value } },
        });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ name: 'InputError' });
      expect(res.body.error.message).toContain(`inputs.env.${key}: must not be blank`);
    }
    expect(await versions('staging')).toBe(before);
  });

  it('checks inputs with the plan: a blank value is a 400, a missing Secret a blocker on its key, and the hash stays', async () => {
    const { body: planned } = await plan();
    const blank = await plan({ env: { ANOTHER_KEY: ' ' } });
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toContain('inputs.env.ANOTHER_KEY: must not be blank');

    gateway.existingKeys.add('Secret/api-staging/key');
    const checked = await plan({
      env: {
        ANOTHER_KEY: { secretKeyRef: { name: 'no-such-secret', key: 'password' } },
        API_KEY: { secretKeyRef: { name: 'api-staging', key: 'key' } },
      },
    });
    expect(checked.status).toBe(200);
    const withInputs: PromotionPlan = checked.body;
    expect(withInputs.planHash).toBe(planned.planHash);
    expect(withInputs.blockers).toEqual([
      expect.objectContaining({
        code: 'missing-reference',
        path: 'env.ANOTHER_KEY',
        message: expect.stringContaining("Secret no-such-secret key 'password' in namespace shipyard-staging"),
      }),
    ]);
  });
});
