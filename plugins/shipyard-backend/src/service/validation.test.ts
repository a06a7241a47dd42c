import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import request from 'supertest';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard } from '../__testUtils__/startShipyard';
import { findUnstorableText } from './validation';

/*
 * Bounded, validated input (issue 7, part 5): numbers past 2^31-1, text
 * PostgreSQL cannot store, oversized specs and malformed Secret names are
 * refused with a 400 that names the field, before anything is stored or
 * any cluster is asked.
 */

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();
const BIG = 3_000_000_000;
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(databases.eachSupportedId())('bounded input (%s)', databaseId => {
  let knex: Knex;
  let server: any;
  let gateway: FakeClusterGateway;
  let stop: () => Promise<void>;
  const count = async () => Number((await knex('shipyard_versions').count({ c: '*' }))[0].c);
  const get = (path: string) => request(server).get(path).set('Authorization', auth);
  const post = (path: string, body: object) => request(server).post(path).set('Authorization', auth).send(body);

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    gateway = new FakeClusterGateway();
    const started = await startShipyard(knex, { gateway });
    server = started.server;
    stop = () => started.backend.stop();
    const seeded = [];
    for (const ws of ['dev', 'staging', 'prod']) {
      seeded.push((await post(`${PAYMENTS}/workspaces/${ws}/versions?wait=true`, { spec: baseSpec })).status);
    }
    const withNewSecret = { ...baseSpec, env: { ...baseSpec.env, NEW_SECRET: { secretKeyRef: { name: 'stripe', key: 'token' } } } };
    // The fake cluster has no Secrets: a source whose Secret the target lacks, by design.
    seeded.push((await post(`${PAYMENTS}/workspaces/staging/versions?wait=true`, { spec: withNewSecret, allowMissingReferences: true })).status);
    if (seeded.some(status => status !== 201)) throw new Error(`seeding failed: ${seeded.join(', ')}`);
  });
  afterAll(() => stop());

  const cases: Array<[string, () => request.Test, RegExp]> = [
    ['a version number past 2^31-1 in the path', () => get(`${PAYMENTS}/workspaces/dev/versions/${BIG}`), /^version: must be <= 2147483647/],
    ['a rollback to a version past 2^31-1', () => post(`${PAYMENTS}/workspaces/dev/versions/${BIG}/rollback`, {}), /^version: must be <= 2147483647/],
    ['a rollback plan for a version past 2^31-1', () => get(`${PAYMENTS}/workspaces/dev/versions/${BIG}/rollback-plan`), /^version: must be <= 2147483647/],
    ['a diff from a version past 2^31-1', () => get(`${PAYMENTS}/diff?from=dev:${BIG}&to=dev:1`), /^from: the version must be at most 2147483647/],
    ['a diff to a version past 2^31-1', () => get(`${PAYMENTS}/diff?from=dev:1&to=staging:9999999999`), /^to: the version must be at most 2147483647/],
    ['a 400-digit version number (Infinity to Number())', () => get(`${PAYMENTS}/workspaces/dev/versions/${'9'.repeat(400)}/rollback-plan`), /^version: must be <= 2147483647$/],
    ['a version number in exponent notation', () => get(`${PAYMENTS}/workspaces/dev/versions/1e0`), /^version: must be an integer, written in decimal digits, got '1e0'$/],
    ['a hexadecimal version number', () => post(`${PAYMENTS}/workspaces/dev/versions/0x1/rollback`, {}), /^version: must be an integer, written in decimal digits/],
    ['a 400-digit limit (knex would drop it and return every version)', () => get(`${PAYMENTS}/workspaces/dev/versions?limit=${'9'.repeat(400)}`), /^limit: must be <= 200$/],
    ['a limit of 1.5', () => get(`${PAYMENTS}/workspaces/dev/versions?limit=1.5`), /^limit: must be an integer/],
    ['a cursor past 2^31-1', () => get(`${PAYMENTS}/workspaces/dev/versions?cursor=${cursorOf({ before: BIG })}`), /^cursor: malformed paging cursor/],
    ['a cursor of 1e300', () => get(`${PAYMENTS}/workspaces/dev/versions?cursor=${cursorOf({ before: 1e300 })}`), /^cursor: malformed/],
    ['a limit past 2^31-1', () => get(`${PAYMENTS}/workspaces/dev/versions?limit=${BIG}`), /^limit: must be <= 200/],
    ['a sourceVersion past 2^31-1', () => post(`${PAYMENTS}/promotions/plan`, { source: 'dev', target: 'staging', sourceVersion: BIG }), /^sourceVersion: must be <= 2147483647/],
    ['a sourceVersion past 2^31-1 on execute', () => post(`${PAYMENTS}/promotions`, { source: 'dev', target: 'staging', sourceVersion: BIG, planHash: 'a'.repeat(64) }), /^sourceVersion: must be <= 2147483647/],
    ['an expectedCurrentVersion past 2^31-1', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: baseSpec, expectedCurrentVersion: BIG }), /^expectedCurrentVersion: must be <= 2147483647/],
    ['an expectedCurrentVersion past 2^31-1 on rollback', () => post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`, { expectedCurrentVersion: BIG }), /^expectedCurrentVersion: must be <= 2147483647/],
    ['a NUL in a deploy message', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: baseSpec, message: 'release\u0000' }), /^message: must not contain the NUL character/],
    ['a NUL in a rollback reason', () => post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`, { reason: '\u0000' }), /^reason: must not contain the NUL character/],
    ['a NUL in a promotion reason', () => post(`${PAYMENTS}/promotions`, { source: 'dev', target: 'staging', planHash: 'a'.repeat(64), reason: 'x\u0000' }), /^reason: must not contain the NUL/],
    ['a NUL in an env value', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: { ...baseSpec, env: { A: 'a\u0000' } } }), /^spec\.env\.A: must not contain the NUL/],
    ['a NUL in an env name', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: { ...baseSpec, env: { 'A\u0000': 'a' } } }), /^spec\.env\.A\\u0000: name must not contain the NUL/],
    ['a NUL in an input', () => post(`${PAYMENTS}/promotions`, { source: 'staging', target: 'prod', planHash: 'a'.repeat(64), inputs: { env: { NEW_SECRET: 'x\u0000' } } }), /^inputs\.env\.NEW_SECRET: must not contain the NUL/],
    ['a NUL in the workspace path', () => get(`${PAYMENTS}/workspaces/dev%00/versions`), /^workspace: must not contain the NUL/],
    ['a NUL in the entity name', () => get('/api/shipyard/services/component/default/pay%00ments/workspaces'), /^name: must not contain the NUL/],
    ['a NUL in the cursor', () => get(`${PAYMENTS}/workspaces/dev/versions?cursor=%00`), /^cursor: must not contain the NUL/],
    ['a NUL in a diff address', () => get(`${PAYMENTS}/diff?from=dev:1%00&to=dev:1`), /^from: must not contain the NUL/],
    ['an unpaired surrogate in a message', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: baseSpec, message: 'x\uD800' }), /^message: must be well-formed Unicode/],
    ['a spec over 256 KiB', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: { ...baseSpec, env: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`K${i}`, 'x'.repeat(10_000)])) } }), /^Invalid spec( for workspace 'dev')?: the spec is \d+ bytes as canonical JSON; at most 262144/],
    ['more than 5,000 env vars', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: { ...baseSpec, env: Object.fromEntries(Array.from({ length: 5001 }, (_, i) => [`K${i}`, 'x'])) } }), /^Invalid spec( for workspace 'dev')?: env: must have at most 5000 entries/],
    ['a Secret named "." in a spec', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: { ...baseSpec, env: { A: { secretKeyRef: { name: '.', key: 'k' } } } } }), /^Invalid spec( for workspace 'dev')?: env\.A\.secretKeyRef\.name: must be a DNS-1123 subdomain/],
    ['a reserved label prefix', () => post(`${PAYMENTS}/workspaces/dev/versions`, { spec: { ...baseSpec, labels: { 'node.kubernetes.io/pool': 'x' } } }), /labels\.node\.kubernetes\.io\/pool: uses the reserved prefix kubernetes\.io\//],
  ];

  it.each(cases)('refuses %s with a 400 naming the field, storing nothing', async (_name, send, message) => {
    const before = await count();
    const res = await send();
    expect({ status: res.status, message: res.body.error?.message }).toEqual({ status: 400, message: expect.stringMatching(message) });
    expect(await count()).toBe(before);
  });

  it.each([
    ['"."', '.'],
    ['empty', ''],
    ['with a slash', 'a/b'],
    ['uppercase', 'Stripe'],
  ])('refuses a promotion input naming a Secret %s before any cluster call', async (_name, secretName) => {
    const findMissing = jest.spyOn(gateway, 'findMissingReferences');
    const before = await count();
    const body = { source: 'staging', target: 'prod', inputs: { env: { NEW_SECRET: { secretKeyRef: { name: secretName, key: 'token' } } } } };
    const res = await post(`${PAYMENTS}/promotions`, { ...body, planHash: 'a'.repeat(64) });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'inputs.env.NEW_SECRET.secretKeyRef.name: must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    );
    expect(findMissing).not.toHaveBeenCalled();
    expect(await count()).toBe(before);
    findMissing.mockRestore();
  });

  it('refuses a promotion input with a malformed key before any cluster call', async () => {
    const findMissing = jest.spyOn(gateway, 'findMissingReferences');
    const res = await post(`${PAYMENTS}/promotions`, {
      source: 'staging',
      target: 'prod',
      planHash: 'a'.repeat(64),
      inputs: { env: { NEW_SECRET: { configMapKeyRef: { name: 'flags', key: 'a b' } } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'inputs.env.NEW_SECRET.configMapKeyRef.key: must be a Secret or ConfigMap key: letters, digits, "-", "_" or "."',
    );
    expect(findMissing).not.toHaveBeenCalled();
    findMissing.mockRestore();
  });

  it('still accepts the largest numbers and any well-formed Unicode', async () => {
    expect((await get(`${PAYMENTS}/workspaces/dev/versions/2147483647`)).status).toBe(404);
    expect((await get(`${PAYMENTS}/diff?from=dev:2147483647&to=dev:1`)).status).toBe(404);
    const page = await get(`${PAYMENTS}/workspaces/dev/versions?cursor=${cursorOf({ before: 2147483647 })}`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((v: any) => v.number)).toEqual([1]);
    const unicode = await post(`${PAYMENTS}/workspaces/dev/versions`, {
      spec: { ...baseSpec, env: { GREETING: 'Grüße 你好 💥' } },
      message: 'ｄｅｖ release 🚀',
    });
    expect(unicode.status).toBe(201);
    const read = await get(`${PAYMENTS}/workspaces/dev/versions/${unicode.body.number}`);
    expect(read.body).toMatchObject({ message: 'ｄｅｖ release 🚀', spec: { env: { GREETING: 'Grüße 你好 💥' } } });
  });
});

describe('findUnstorableText', () => {
  it('finds the first NUL or unpaired surrogate, keys included, naming its path', () => {
    expect(findUnstorableText({ a: ['ok', { b: 'x\u0000' }] })).toEqual({
      field: 'a[1].b',
      message: 'must not contain the NUL character (\\u0000)',
    });
    expect(findUnstorableText({ 'k\u0000': 1 }, 'spec')).toEqual({
      field: 'spec.k\\u0000',
      message: 'name must not contain the NUL character (\\u0000)',
    });
    expect(findUnstorableText('\uDC00')).toEqual({ field: 'body', message: expect.stringMatching(/surrogate/) });
    expect(findUnstorableText({ a: 'Grüße 💥', b: [1, null, true] })).toBeUndefined();
  });

  it('walks any depth without overflowing the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findUnstorableText(deep)?.message).toMatch(/NUL/);
  });
});
