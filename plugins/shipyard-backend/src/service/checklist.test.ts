import { mockCredentials, mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ServiceSpec, VersionChecklistItem } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import request from 'supertest';
import { baseSpec, startShipyard } from '../__testUtils__/startShipyard';

jest.setTimeout(120_000);

const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();
const GUEST = 'user:default/guest';
const guest = mockCredentials.user.header(GUEST);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())('promotion checklists (%s)', databaseId => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;
  const events: any[] = [];

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    const auditor = mockServices.auditor.mock({
      createEvent: async options => {
        const event = { ...options, outcome: undefined as any };
        events.push(event);
        return {
          success: async result => {
            event.outcome = { success: result?.meta ?? {} };
          },
          fail: async result => {
            event.outcome = { fail: result.error.message };
          },
        };
      },
    });
    const started = await startShipyard(knex, {
      // The guest may read but not promote.
      policy: (name, credentials) =>
        name === 'shipyard.promotion.execute' && (credentials?.principal as any)?.userEntityRef === GUEST
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      features: [auditor.factory],
    });
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());

  const post = (path: string, body: object, as = auth) =>
    request(server).post(`${PAYMENTS}${path}`).set('Authorization', as).send(body);
  const get = (path: string) => request(server).get(`${PAYMENTS}${path}`).set('Authorization', auth);
  const stored = async () =>
    knex('shipyard_version_checklist_items')
      .where({ service_ref: 'component:default/payments', workspace: 'staging', number: 2 })
      .orderBy('item_id')
      .select('item_id', 'done_by', 'done_at');

  it('stores the checklist with the version a promotion created, retained environment-owned values included, until each item is ticked off', async () => {
    // staging decided its own service account and host in v1; dev has others.
    const stagingSpec: ServiceSpec = {
      ...baseSpec,
      ports: [{ name: 'http', port: 8080, expose: { host: 'payments.staging.acme.dev' } }],
      serviceAccountName: 'payments-staging',
    };
    const devSpec: ServiceSpec = {
      ...baseSpec,
      image: 'ghcr.io/acme/payments:1.1.0',
      ports: [{ name: 'http', port: 8080, expose: { host: 'payments.dev.acme.dev' } }],
      serviceAccountName: 'payments-dev',
      env: { ...baseSpec.env, API_KEY: { secretKeyRef: { name: 'payments-api', key: 'key' } } },
    };
    expect((await post('/workspaces/staging/versions', { spec: stagingSpec })).status).toBe(201);
    expect((await post('/workspaces/dev/versions', { spec: devSpec })).status).toBe(201);
    await knex('shipyard_versions').update({ status: 'succeeded', finished_at: new Date() });

    const inputs = { env: { API_KEY: { secretKeyRef: { name: 'payments-api', key: 'key' } } } };
    const plan = await post('/promotions/plan', { source: 'dev', target: 'staging', inputs });
    expect(plan.status).toBe(200);
    const promoted = await post('/promotions', { source: 'dev', target: 'staging', planHash: plan.body.planHash, inputs });
    expect(promoted.body.error?.message).toBeUndefined();
    expect(promoted.status).toBe(201);
    expect(promoted.body.spec.serviceAccountName).toBe('payments-staging');
    const checklist: VersionChecklistItem[] = promoted.body.checklist;
    expect(checklist.map(i => i.text)).toEqual(plan.body.checklist);
    expect(checklist.map(i => i.id)).toEqual(checklist.map((_, i) => i + 1));
    const texts = checklist.map(i => i.text).join('\n');
    expect(texts).toMatch(/serviceAccountName stays payments-staging in staging \(as in v1\), while dev has payments-dev/);
    expect(texts).toMatch(/ports\[0\]\.expose\.host stays payments\.staging\.acme\.dev/);
    expect(texts).toMatch(/env\.API_KEY reads Secret payments-api/);
    expect(checklist.every(i => i.done === undefined)).toBe(true);

    // Shown on the version and in the history; versions of other origins have none.
    expect((await get('/workspaces/staging/versions/2')).body.checklist).toEqual(checklist);
    const history = (await get('/workspaces/staging/versions')).body.items;
    expect(history.map((v: any) => [v.number, v.checklist?.length])).toEqual([
      [2, checklist.length],
      [1, undefined],
    ]);

    const account = checklist.find(i => i.text.startsWith('serviceAccountName'))!;
    const ticked = await post(`/workspaces/staging/versions/2/checklist/${account.id}`, { done: true });
    expect(ticked.status).toBe(200);
    const item = ticked.body.checklist.find((i: VersionChecklistItem) => i.id === account.id);
    expect(item.done).toEqual({ by: 'user:default/mock', at: expect.any(String) });
    expect(Date.now() - Date.parse(item.done.at)).toBeLessThan(60_000);
    expect(ticked.body.checklist.filter((i: VersionChecklistItem) => !i.done)).toHaveLength(checklist.length - 1);
    const listed = (await get('/workspaces/staging/versions')).body.items[0];
    expect(listed.checklist.find((i: VersionChecklistItem) => i.id === account.id).done.by).toBe('user:default/mock');

    const event = events.find(e => e.eventId === 'checklist-item-update');
    expect(event.meta).toMatchObject({ service: 'component:default/payments', workspace: 'staging', version: 2, item: account.id, done: true });
    expect(event.outcome).toEqual({ success: { text: account.text } });

    const reopened = await post(`/workspaces/staging/versions/2/checklist/${account.id}`, { done: false });
    expect(reopened.status).toBe(200);
    expect(reopened.body.checklist.find((i: VersionChecklistItem) => i.id === account.id).done).toBeUndefined();
    expect((await stored()).every((r: any) => r.done_by === null && r.done_at === null)).toBe(true);
  });

  it('refuses a caller who may not promote into the workspace, an unknown item and bad input, and stores nothing', async () => {
    const before = JSON.stringify(await stored());
    expect(JSON.parse(before).length).toBeGreaterThan(0);
    const refused = await post('/workspaces/staging/versions/2/checklist/1', { done: true }, guest);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/shipyard.promotion.execute is not allowed/);

    const missingItem = await post('/workspaces/staging/versions/2/checklist/99', { done: true });
    expect(missingItem.status).toBe(404);
    expect(missingItem.body.error.message).toMatch(/item: staging v2 has checklist items 1 to \d+, not 99/);
    const noChecklist = await post('/workspaces/staging/versions/1/checklist/1', { done: true });
    expect(noChecklist.status).toBe(404);
    expect(noChecklist.body.error.message).toMatch(/item: staging v1 has no checklist, not 1/);
    const missingVersion = await post('/workspaces/staging/versions/77/checklist/1', { done: true });
    expect(missingVersion.status).toBe(404);
    expect(missingVersion.body.error.message).toMatch(/version: .* no v77 in staging/);

    for (const [path, body, field] of [
      ['/workspaces/staging/versions/2/checklist/1', {}, /done/],
      ['/workspaces/staging/versions/2/checklist/1', { done: 'yes' }, /done/],
      ['/workspaces/staging/versions/2/checklist/1', { done: true, by: 'someone-else' }, /by/],
      ['/workspaces/staging/versions/2/checklist/0', { done: true }, /item/],
      ['/workspaces/staging/versions/2/checklist/abc', { done: true }, /item/],
    ] as Array<[string, object, RegExp]>) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(field);
    }
    expect(JSON.stringify(await stored())).toBe(before);
    expect(events.filter(e => e.eventId === 'checklist-item-update' && e.outcome?.success)).toHaveLength(2);
  });
});
