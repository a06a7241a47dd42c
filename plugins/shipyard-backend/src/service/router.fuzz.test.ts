import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { parseSpec } from '@shipyard/backstage-plugin-common';
import fc from 'fast-check';
import { Knex } from 'knex';
import request from 'supertest';
// The generators are test-only and not part of -common's published API.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { serviceSpecArbitrary } from '../../../shipyard-common/src/__testUtils__/arbitraries';
import { startShipyard } from '../__testUtils__/startShipyard';

/*
 * Thousands of generated requests: whatever arrives, the answer is a 2xx
 * exactly when the shared schema accepts the spec, otherwise a 4xx with a
 * message, never a 5xx, and a refused request stores nothing.
 */

jest.setTimeout(300_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();
const SPEC_FIELDS = ['image', 'command', 'args', 'ports', 'env', 'resources', 'replicas', 'autoscaling', 'readinessProbe', 'livenessProbe', 'startupProbe', 'labels', 'annotations'];

/** A valid spec with one field replaced by anything, or a field added. */
const mutatedSpec = fc
  .tuple(serviceSpecArbitrary(), fc.constantFrom(...SPEC_FIELDS, 'replicaz', '__proto__', 'constructor'), fc.anything({ maxDepth: 3 }))
  .map(([spec, field, value]) => ({ ...spec, [field]: value }));

const segment = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom("dev' OR '1'='1", '../../etc/passwd', '%00', 'dev;drop table shipyard_versions', 'ｄｅｖ', '💥', 'a'.repeat(300)),
);

describe.each(databases.eachSupportedId())('the router under generated input (%s)', databaseId => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;
  const count = async () => Number((await knex('shipyard_versions').count({ c: '*' }))[0].c);

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    const started = await startShipyard(knex);
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());

  const runs = databaseId === 'SQLITE_3' ? 1500 : 400;

  it('answers a deploy with 201 exactly when the spec is valid, otherwise 4xx naming the problem', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedSpec, fc.anything({ maxDepth: 3 })), async spec => {
        const before = await count();
        const res = await request(server).post(`${PAYMENTS}/workspaces/dev/versions`).set('Authorization', auth).send({ spec });
        // What the server sees is the JSON of it: undefined members vanish on the wire.
        const wire = JSON.parse(JSON.stringify({ spec }) ?? '{}').spec;
        const valid = wire !== undefined && parseSpec(wire).success;
        const after = await count();
        expect({
          status: res.status >= 400 && res.status < 500 ? '4xx' : res.status,
          stored: after - before,
          message: res.status === 201 || typeof res.body.error?.message === 'string',
        }).toEqual({ status: valid ? 201 : '4xx', stored: valid ? 1 : 0, message: true });
      }),
      { numRuns: runs },
    );
  });

  it('answers strange names, workspaces and bodies on every route with a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.anything({ maxDepth: 2 }), fc.nat(4), async (name, workspace, body, route) => {
        const before = await count();
        const base = `/api/shipyard/services/component/default/${encodeURIComponent(name)}`;
        const ws = encodeURIComponent(workspace);
        const send = [
          () => request(server).post(`${base}/workspaces/${ws}/versions`).send({ spec: body }),
          () => request(server).post(`${base}/workspaces/${ws}/versions/1/rollback`).send({ reason: body }),
          () => request(server).post(`${base}/promotions/plan`).send({ source: workspace, target: body }),
          () => request(server).post(`${base}/promotions`).send({ source: 'dev', target: workspace, planHash: body, inputs: body }),
          () => request(server).get(`${base}/diff?from=${ws}&to=${encodeURIComponent(String(body))}`),
        ][route]();
        const res = await send.set('Authorization', auth);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body.error.message).toEqual(expect.any(String));
        expect(await count()).toBe(before);
      }),
      { numRuns: runs },
    );
  });
});
