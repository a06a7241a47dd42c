import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { failed, FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';

/*
 * Issue 10's promotion policy through the API: the path is the law, the
 * source must be good (succeeded, soaked, not rejected), rejections follow
 * the spec hash, a rollback holds automatic promotion, and freeze windows
 * refuse deploys and promotions unless overridden with a reason.
 */

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const SERVICES = '/api/shipyard/services';
const PAYMENTS = `${SERVICES}/component/default/payments`;
const auth = mockCredentials.user.header();

const config = (extra: (ws: any) => object = () => ({}), more: object[] = []) => ({
  shipyard: {
    ...workspacesConfig.shipyard,
    workspaces: [...workspacesConfig.shipyard.workspaces.map(ws => ({ ...ws, ...extra(ws) })), ...more],
  },
});

describe.each(databases.eachSupportedId())('Promotion policy (%s)', databaseId => {
  let knex: Knex;
  let gateway: FakeClusterGateway;
  let server: any;
  let stop: (() => Promise<void>) | undefined;
  let denied: string[] = [];
  let audit: Array<{ eventId: string; meta: any; outcome?: string }> = [];

  async function start(shipyardConfig: object = workspacesConfig) {
    knex = await databases.init(databaseId);
    gateway = new FakeClusterGateway();
    denied = [];
    audit = [];
    const auditor = mockServices.auditor.mock();
    auditor.createEvent.mockImplementation(async (options: any) => {
      const event: { eventId: string; meta: any; outcome?: string } = { eventId: options.eventId, meta: options.meta };
      audit.push(event);
      return {
        success: async () => {
          event.outcome = 'success';
        },
        fail: async () => {
          event.outcome = 'fail';
        },
      };
    });
    const started = await startShipyard(knex, {
      gateway,
      config: shipyardConfig,
      policy: name => (denied.includes(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW),
      features: [auditor.factory],
    });
    server = started.server;
    stop = () => started.backend.stop();
  }
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  const deploy = (workspace: string, spec: ServiceSpec = baseSpec, extra: object = {}, service = PAYMENTS) =>
    request(server).post(`${service}/workspaces/${workspace}/versions?wait=true`).set('Authorization', auth).send({ spec, ...extra });
  const plan = (body: object, service = PAYMENTS) =>
    request(server).post(`${service}/promotions/plan`).set('Authorization', auth).send(body);
  const promote = async (body: { source: string; target: string; [k: string]: unknown }, service = PAYMENTS) => {
    const planned = await plan({ source: body.source, target: body.target, sourceVersion: body.sourceVersion }, service);
    return request(server)
      .post(`${service}/promotions?wait=true`)
      .set('Authorization', auth)
      .send({ planHash: planned.body.planHash, ...body });
  };
  const get = (path: string) => request(server).get(path).set('Authorization', auth);
  const state = async (workspace: string, service = PAYMENTS) =>
    (await get(`${service}/workspaces`)).body.items.find((i: any) => i.workspace.name === workspace);
  const versionCount = async (workspace: string) =>
    Number((await knex('shipyard_versions').where({ workspace }).count({ c: '*' }))[0].c);

  describe('the path is the law', () => {
    beforeEach(() => start(config(() => ({}), [{ name: 'hotfix', environment: 'dev', namespace: 'shipyard-hotfix' }])));

    it("refuses a step the service's path does not have, naming the path, and stores nothing", async () => {
      await deploy('dev');
      const skip = await plan({ source: 'dev', target: 'prod' });
      expect(skip.status).toBe(400);
      expect(skip.body.error.message).toBe(
        'target: dev -> prod is not a step of the promotion path (shipyard/promotion: dev -> staging -> prod); dev promotes to staging',
      );
      const execute = await request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({ source: 'dev', target: 'prod', planHash: 'a'.repeat(64) });
      expect(execute.status).toBe(400);
      expect(execute.body.error.message).toMatch(/dev -> prod is not a step/);
      const back = await plan({ source: 'staging', target: 'dev' });
      expect(back.body.error.message).toMatch(/staging -> dev is not a step .*; staging promotes to prod$/);
      expect(await versionCount('prod')).toBe(0);
      expect((await promote({ source: 'dev', target: 'staging' })).status).toBe(201);
    });

    it('takes a later workspace only where a chain says so', async () => {
      const CHECKOUT = `${SERVICES}/component/default/checkout`;
      await deploy('hotfix', baseSpec, {}, CHECKOUT);
      expect((await plan({ source: 'hotfix', target: 'prod' }, CHECKOUT)).status).toBe(200);
      const sideways = await plan({ source: 'hotfix', target: 'staging' }, CHECKOUT);
      expect(sideways.status).toBe(400);
      expect(sideways.body.error.message).toMatch(
        /hotfix -> staging is not a step of the promotion path \(shipyard\/promotion: dev -> staging -> prod; hotfix -> prod\); hotfix promotes to prod/,
      );
      const { promotionPath } = (await get(`${CHECKOUT}/workspaces`)).body;
      expect(promotionPath.steps).toEqual([
        { from: 'dev', to: 'staging' },
        { from: 'staging', to: 'prod' },
        { from: 'hotfix', to: 'prod' },
      ]);
    });

    it('defaults to the environment tiers without an annotation', async () => {
      const LEDGER = `${SERVICES}/component/default/ledger`;
      await deploy('dev', baseSpec, {}, LEDGER);
      const skip = await plan({ source: 'dev', target: 'prod' }, LEDGER);
      expect(skip.status).toBe(400);
      expect(skip.body.error.message).toMatch(
        /dev -> prod is not a step of the default promotion path by environment tier \(dev -> staging, hotfix -> staging, staging -> prod\)/,
      );
      expect((await plan({ source: 'dev', target: 'staging' }, LEDGER)).status).toBe(200);
    });

    it('reports a malformed annotation with its text and promotes nothing along it', async () => {
      const BROKEN = `${SERVICES}/component/default/broken-path`;
      expect((await deploy('dev', baseSpec, {}, BROKEN)).status).toBe(201);
      const res = await get(`${BROKEN}/workspaces`);
      expect(res.status).toBe(200);
      expect(res.body.promotionPath).toEqual({
        source: 'annotation',
        chains: [],
        steps: [],
        errors: [
          {
            annotation: 'shipyard/promotion',
            text: 'dev -> qa -> prod',
            message: expect.stringMatching(/^Invalid annotation shipyard\/promotion: names qa, not one of/),
          },
        ],
      });
      const refused = await plan({ source: 'dev', target: 'staging' }, BROKEN);
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/shipyard\/promotion annotation is malformed \("dev -> qa -> prod"\)/);
    });
  });

  describe('the source must be good', () => {
    it('blocks a source that failed, naming its status, and refuses to execute it', async () => {
      await start();
      gateway.rollouts = [failed('ReplicaSet "payments-1" has timed out progressing.')];
      const deployed = await deploy('dev');
      expect(deployed.body.status).toBe('failed');
      const planned = await plan({ source: 'dev', target: 'staging', sourceVersion: 1 });
      expect(planned.status).toBe(200);
      expect(planned.body.blockers).toContainEqual({
        code: 'source-not-succeeded',
        message: 'dev v1 is failed (ReplicaSet "payments-1" has timed out progressing.); only a succeeded version is promoted',
      });
      const res = await request(server)
        .post(`${PAYMENTS}/promotions`)
        .set('Authorization', auth)
        .send({ source: 'dev', target: 'staging', sourceVersion: 1, planHash: planned.body.planHash });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/dev v1 is failed/);
      expect(await versionCount('staging')).toBe(0);
    });

    it("blocks a version younger than the target's soak time, with the time left", async () => {
      await start(config(ws => (ws.name === 'staging' ? { soakSeconds: 3600 } : {})));
      await deploy('dev');
      const planned = await plan({ source: 'dev', target: 'staging' });
      const soak = planned.body.blockers.find((b: any) => b.code === 'soak');
      expect(soak.message).toMatch(/^dev v1 succeeded \d+s ago; staging wants versions that have run 1h: (1h|59m \d+s) left$/);
      const res = await promote({ source: 'dev', target: 'staging' });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/(1h|59m \d+s) left/);
      // As if an hour had passed by the database's clock.
      await knex('shipyard_versions').where({ workspace: 'dev' }).update({ finished_at: new Date(Date.now() - 3_601_000) });
      expect((await plan({ source: 'dev', target: 'staging' })).body.blockers).toEqual([]);
      expect((await promote({ source: 'dev', target: 'staging' })).status).toBe(201);
    });
  });

  describe('rejections', () => {
    beforeEach(() => start());

    it('follow the spec hash: a rejected spec is promoted from no workspace and rolled back to nowhere', async () => {
      const bad = { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' };
      await deploy('dev', bad);
      await deploy('staging', bad);
      await deploy('dev', { ...baseSpec, image: 'ghcr.io/acme/payments:1.2.0' });

      expect((await request(server).post(`${PAYMENTS}/workspaces/dev/versions/1/reject`).set('Authorization', auth).send({})).status).toBe(400);
      const rejected = await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions/1/reject`)
        .set('Authorization', auth)
        .send({ reason: 'leaks connections' });
      expect(rejected.status).toBe(200);
      expect(rejected.body.rejection).toEqual({ by: 'user:default/mock', at: expect.any(String), reason: 'leaks connections' });
      const again = await request(server).post(`${PAYMENTS}/workspaces/dev/versions/1/reject`).set('Authorization', auth).send({ reason: 'x' });
      expect(again.status).toBe(409);

      // Staging runs the same spec: it carries the rejection, naming where it was made.
      const staging = (await get(`${PAYMENTS}/workspaces/staging/versions`)).body.items[0];
      expect(staging.rejection).toMatchObject({ workspace: 'dev', version: 1, reason: 'leaks connections' });
      expect((await state('staging')).currentVersion.rejection).toMatchObject({ workspace: 'dev', version: 1 });
      const planned = await plan({ source: 'staging', target: 'prod' });
      expect(planned.body.blockers).toContainEqual({
        code: 'rejected',
        message: expect.stringMatching(/^staging v1 was rejected as dev v1 by user:default\/mock at .*: leaks connections$/),
      });
      const promoted = await promote({ source: 'staging', target: 'prod' });
      expect(promoted.status).toBe(409);
      expect(await versionCount('prod')).toBe(0);

      const preview = await get(`${PAYMENTS}/workspaces/dev/versions/1/rollback-plan`);
      expect(preview.body.warnings).toContainEqual({
        code: 'rejected',
        message: expect.stringMatching(/^dev v1 was rejected by .*: leaks connections; the rollback is refused until the rejection is lifted$/),
      });
      const rollback = await request(server).post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`).set('Authorization', auth).send({});
      expect(rollback.status).toBe(409);
      expect(rollback.body.error.message).toMatch(/^version: dev v1 was rejected by user:default\/mock .*leaks connections; lift the rejection first$/);
      expect(await versionCount('dev')).toBe(2);

      const notHere = await request(server).delete(`${PAYMENTS}/workspaces/staging/versions/1/reject`).set('Authorization', auth);
      expect(notHere.status).toBe(404);
      expect(notHere.body.error.message).toMatch(/rejected as dev v1 \(same spec\); lift it there/);
      const lifted = await request(server).delete(`${PAYMENTS}/workspaces/dev/versions/1/reject`).set('Authorization', auth);
      expect(lifted.status).toBe(200);
      expect(lifted.body.rejection).toBeUndefined();
      expect(audit.filter(e => e.eventId.includes('reject')).map(e => [e.eventId, e.outcome, e.meta.version, e.meta.reason])).toEqual([
        ['version-reject', 'success', 1, 'leaks connections'],
        ['version-reject', 'fail', 1, 'x'],
        ['version-unreject', 'fail', 1, undefined],
        ['version-unreject', 'success', 1, undefined],
      ]);
      expect((await promote({ source: 'staging', target: 'prod' })).status).toBe(201);
    });

    it('needs shipyard.version.reject', async () => {
      await deploy('dev');
      denied = ['shipyard.version.reject'];
      const res = await request(server).post(`${PAYMENTS}/workspaces/dev/versions/1/reject`).set('Authorization', auth).send({ reason: 'bad' });
      expect(res.status).toBe(403);
      const rollback = await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`)
        .set('Authorization', auth)
        .send({ reject: { reason: 'bad' } });
      expect(rollback.status).toBe(403);
      expect(await versionCount('dev')).toBe(1);
    });
  });

  describe('holds', () => {
    beforeEach(() => start());

    it('a rollback holds automatic promotion into its workspace, rejecting the version left when asked; a deploy by hand lifts it', async () => {
      await deploy('staging');
      await deploy('staging', { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' });
      expect((await get(`${PAYMENTS}/workspaces/staging/hold`)).status).toBe(404);
      const rollback = await request(server)
        .post(`${PAYMENTS}/workspaces/staging/versions/1/rollback?wait=true`)
        .set('Authorization', auth)
        .send({ reason: 'checkout errors', reject: { reason: 'checkout errors' } });
      expect(rollback.status).toBe(201);
      const hold = { by: 'user:default/mock', at: expect.any(String), reason: 'rollback to v1: checkout errors', version: 3 };
      expect((await get(`${PAYMENTS}/workspaces/staging/hold`)).body).toEqual(hold);
      expect((await state('staging')).hold).toEqual(hold);
      expect((await get(`${PAYMENTS}/workspaces/staging/versions/2`)).body.rejection).toMatchObject({ reason: 'checkout errors' });

      expect((await deploy('staging', { ...baseSpec, image: 'ghcr.io/acme/payments:1.2.0' })).status).toBe(201);
      expect((await get(`${PAYMENTS}/workspaces/staging/hold`)).status).toBe(404);
      expect((await state('staging')).hold).toBeUndefined();
      expect(audit.filter(e => /hold|reject/.test(e.eventId)).map(e => [e.eventId, e.outcome, e.meta])).toEqual([
        ['version-reject', 'success', expect.objectContaining({ workspace: 'staging', version: 2, reason: 'checkout errors' })],
        ['auto-promotion-hold-placed', 'success', expect.objectContaining({ workspace: 'staging', version: 3 })],
        ['auto-promotion-hold-lifted', 'success', expect.objectContaining({ workspace: 'staging', why: 'v4 deployed by hand' })],
      ]);
    });

    it('rolls back away from a version whose spec is already rejected without failing on the rejection', async () => {
      const bad = { ...baseSpec, image: 'ghcr.io/acme/payments:1.1.0' };
      await deploy('staging');
      await deploy('staging', bad);
      await request(server).post(`${PAYMENTS}/workspaces/staging/versions/2/reject`).set('Authorization', auth).send({ reason: 'first' });
      // A deploy by hand of the same spec (not a promotion) is allowed; it carries the rejection.
      const again = await deploy('staging', bad);
      expect(again.status).toBe(201);
      const rollback = await request(server)
        .post(`${PAYMENTS}/workspaces/staging/versions/1/rollback?wait=true`)
        .set('Authorization', auth)
        .send({ reject: { reason: 'second' } });
      expect(rollback.status).toBe(201);
      expect((await get(`${PAYMENTS}/workspaces/staging/versions/3`)).body.rejection).toMatchObject({ workspace: 'staging', version: 2, reason: 'first' });
    });

    it('DELETE lifts a hold; a promotion by hand lifts it too', async () => {
      await deploy('dev');
      await deploy('staging');
      await deploy('staging', { ...baseSpec, replicas: 2 });
      await request(server).post(`${PAYMENTS}/workspaces/staging/versions/1/rollback?wait=true`).set('Authorization', auth).send({});
      const lifted = await request(server).delete(`${PAYMENTS}/workspaces/staging/hold`).set('Authorization', auth);
      expect(lifted.status).toBe(200);
      expect(lifted.body.lifted).toMatchObject({ reason: 'rollback to v1', version: 3 });
      expect((await request(server).delete(`${PAYMENTS}/workspaces/staging/hold`).set('Authorization', auth)).status).toBe(404);

      await request(server).post(`${PAYMENTS}/workspaces/staging/versions/2/rollback?wait=true`).set('Authorization', auth).send({});
      expect((await state('staging')).hold).toMatchObject({ version: 4 });
      expect((await promote({ source: 'dev', target: 'staging', inputs: {} })).status).toBe(201);
      expect((await state('staging')).hold).toBeUndefined();
    });
  });

  describe('freezes', () => {
    const window = { name: 'year end', start: '2000-01-01T00:00:00Z', end: '2999-01-01T00:00:00Z' };
    beforeEach(() => start(config(ws => (ws.name === 'staging' ? { freezes: [window] } : {}))));

    it('refuse deploys and promotions into a frozen workspace, naming the window and its end; rollbacks go ahead', async () => {
      const refused = await deploy('staging');
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toBe(
        "staging is frozen ('year end') until 2999-01-01T00:00:00.000Z; a deploy needs freezeOverride: { reason } and shipyard.freeze.override",
      );
      expect(await versionCount('staging')).toBe(0);
      expect((await state('staging')).freeze).toEqual({ name: 'year end', start: '2000-01-01T00:00:00.000Z', end: '2999-01-01T00:00:00.000Z' });

      await deploy('dev');
      const planned = await plan({ source: 'dev', target: 'staging' });
      expect(planned.body.blockers).toContainEqual({ code: 'freeze', message: "staging is frozen ('year end') until 2999-01-01T00:00:00.000Z" });
      const promoted = await promote({ source: 'dev', target: 'staging' });
      expect(promoted.status).toBe(409);
      expect(promoted.body.error.message).toMatch(/staging is frozen \('year end'\) until 2999-01-01/);
      expect(await versionCount('staging')).toBe(0);
    });

    it('let a caller with shipyard.freeze.override through with a reason', async () => {
      denied = ['shipyard.freeze.override'];
      const forbidden = await deploy('staging', baseSpec, { freezeOverride: { reason: 'hotfix for INC-42' } });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.message).toMatch(/shipyard\.freeze\.override is not allowed/);
      denied = [];
      const blank = await deploy('staging', baseSpec, { freezeOverride: { reason: '  ' } });
      expect(blank.status).toBe(400);
      expect(blank.body.error.message).toMatch(/freezeOverride\.reason/);
      expect(await versionCount('staging')).toBe(0);

      const deployed = await deploy('staging', baseSpec, { freezeOverride: { reason: 'hotfix for INC-42' } });
      expect(deployed.status).toBe(201);
      expect(audit.filter(e => e.eventId === 'freeze-override').map(e => [e.outcome, e.meta])).toEqual([
        ['fail', expect.objectContaining({ operation: 'deploy', reason: 'hotfix for INC-42', freeze: expect.objectContaining({ name: 'year end' }) })],
        ['success', expect.objectContaining({ operation: 'deploy', workspace: 'staging', reason: 'hotfix for INC-42' })],
      ]);
      await deploy('dev', { ...baseSpec, replicas: 3 });
      const promoted = await promote({ source: 'dev', target: 'staging', freezeOverride: { reason: 'INC-42 follow-up' } });
      expect(promoted.status).toBe(201);
      expect(promoted.body.origin).toMatchObject({ type: 'promotion', workspace: 'dev', version: 1 });

      const rollback = await request(server).post(`${PAYMENTS}/workspaces/staging/versions/1/rollback?wait=true`).set('Authorization', auth).send({});
      expect(rollback.status).toBe(201);
    });
  });
});
