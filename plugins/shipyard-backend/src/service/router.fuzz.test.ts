import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { INT32_MAX, parseSpec, SPEC_LIMITS } from '@shipyard/backstage-plugin-common';
import fc from 'fast-check';
import { Knex } from 'knex';
import request from 'supertest';
// The generators are test-only and not part of -common's published API.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { serviceSpecArbitrary } from '../../../shipyard-common/src/__testUtils__/arbitraries';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard } from '../__testUtils__/startShipyard';
import { shipyardOpenApiDocument } from './openapi';

/*
 * About ten thousand generated requests per database, to every documented
 * route, GETs included: numbers past 2^31, NUL, lone surrogates and other
 * non-ASCII text, specs past the size limits, odd cursors and arbitrary
 * JSON. Whatever arrives, the answer is a 2xx or a 4xx with a message, never
 * a 5xx; a refused request stores nothing; a deploy is a 201 exactly when
 * the shared schema accepts its spec.
 */

jest.setTimeout(600_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();
const DEPLOY_RUNS = 2_000;
const ROUTE_RUNS = 8_000;
const SPEC_FIELDS = ['image', 'command', 'args', 'ports', 'env', 'resources', 'replicas', 'autoscaling', 'readinessProbe', 'livenessProbe', 'startupProbe', 'labels', 'annotations'];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map(code => String.fromCharCode(code));

/** Text that is odd to a server, short enough for a URL: NUL, lone surrogates, any Unicode, or hostile. */
const oddText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: fc.oneof(fc.constant('\u0000'), loneSurrogate, fc.constantFrom('a', 'é', '💥')), maxLength: 8 }),
  fc.constantFrom(
    '\u0000', 'dev\u0000', '\uD800', 'a\uDFFFb', 'ｄｅｖ', '💥', 'Grüße 你好', "dev' OR '1'='1", '../../etc/passwd',
    '%00', '%', 'dev;drop table shipyard_versions', '\u202edev', 'x'.repeat(2000),
  ),
);

/** Odd text for bodies, where it may also be huge. */
const oddString = fc.oneof({ weight: 10, arbitrary: oddText }, fc.constantFrom('x'.repeat(5000), 'é'.repeat(40_000), '\u0000'.repeat(100_000)));

/** Numbers around every bound that matters: int32, safe integers, floats. */
const oddNumber = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 6 }) },
  fc.constantFrom(0, -1, INT32_MAX, INT32_MAX + 1, 3_000_000_000, 2 ** 53, 2 ** 63, 1e21, 1e300, 1.5, -0, 200, 201),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const numberText = fc.oneof(
  { weight: 3, arbitrary: oddNumber.map(String) },
  fc.constantFrom('NaN', 'Infinity', '1e3', '0x10', '', ' 1', '01', '+1', '９', '1\u0000', '9'.repeat(400)),
  oddText,
);

const workspaceName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('dev', 'staging', 'prod') }, fc.constantFrom('qa', 'DEV'), oddText);
const base64url = (text: string) => Buffer.from(text).toString('base64url');
const oddCursor = fc.oneof(
  oddNumber.map(before => base64url(JSON.stringify({ before }))),
  fc.anything({ maxDepth: 2 }).map(value => base64url(JSON.stringify(value) ?? 'undefined')),
  oddText.map(text => base64url(JSON.stringify({ before: text }))),
  oddText,
  fc.constantFrom('', '=', base64url('{"before":3'), base64url('{"before":2147483648}'), 'x'.repeat(300)),
);

/** Percent-encoding that also gets lone surrogates onto the wire, as the (invalid UTF-8) bytes a careless client sends. */
function encode(text: string): string {
  return text
    .split(/([\uD800-\uDFFF])/)
    .map(part => {
      try {
        return encodeURIComponent(part);
      } catch {
        return `%${[0xe0 | (part.charCodeAt(0) >> 12), 0x80 | ((part.charCodeAt(0) >> 6) & 0x3f), 0x80 | (part.charCodeAt(0) & 0x3f)]
          .map(byte => byte.toString(16).toUpperCase())
          .join('%')}`;
      }
    })
    .join('');
}

/** Raw, malformed or sneaky escapes, sent as they are. */
const rawEscape = fc
  .constantFrom('%00', '%E0%A4%A', '%', '..%2F..', '%2e%2e', '%C0%AE', '%ED%A0%80', '%FF', '%u0000')
  .map(raw => ({ raw }));
const inUrl = (value: unknown) =>
  typeof value === 'object' && value !== null && 'raw' in value ? String((value as { raw: string }).raw) : encode(String(value));

const many = (count: number, value: (i: number) => unknown) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`K_${i}`, value(i)]));
let deep: unknown = 'x';
for (let i = 0; i < 300; i++) deep = [deep];

/** Specs past each limit, one field at a time. */
const hugeSpecs = [
  { ...baseSpec, env: many(SPEC_LIMITS.envEntries + 1, () => 'x') },
  { ...baseSpec, env: many(30, () => 'x'.repeat(9000)) },
  { ...baseSpec, args: Array.from({ length: SPEC_LIMITS.listItems + 1 }, () => 'a') },
  { ...baseSpec, env: { BIG: 'x'.repeat(SPEC_LIMITS.stringLength + 1) } },
  { ...baseSpec, image: `ghcr.io/${'a'.repeat(SPEC_LIMITS.imageLength)}:1` },
  { ...baseSpec, labels: many(SPEC_LIMITS.labelEntries + 1, () => 'v') },
  { ...baseSpec, annotations: { 'kubernetes.io/change-cause': 'x', note: 'é'.repeat(SPEC_LIMITS.stringLength + 1) } },
  { ...baseSpec, args: deep },
  { ...baseSpec, env: { BIG: 'x'.repeat(1_100_000) } },
];

/** A valid spec with one field replaced by anything odd, or a field added. */
const mutatedSpec = fc
  .tuple(
    serviceSpecArbitrary(),
    fc.constantFrom(...SPEC_FIELDS, 'replicaz', '__proto__', 'constructor', 'securityContext'),
    fc.oneof(fc.anything({ maxDepth: 3 }), oddString, oddNumber, fc.dictionary(oddString, oddString, { maxKeys: 3 })),
  )
  .map(([spec, field, value]) => ({ ...spec, [field]: value }));

const anySpec = fc.oneof(
  { weight: 4, arbitrary: serviceSpecArbitrary() },
  { weight: 8, arbitrary: mutatedSpec },
  { weight: 1, arbitrary: fc.constantFrom(...hugeSpecs) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3 }) },
);

const envInput = fc.oneof(
  oddString,
  fc.record({ secretKeyRef: fc.record({ name: fc.oneof(fc.constantFrom('.', '..', 'stripe', '', 'a/b', 'Stripe'), oddString), key: fc.oneof(fc.constant('token'), oddString) }) }),
  fc.record({ configMapKeyRef: fc.record({ name: fc.oneof(fc.constant('flags'), oddString), key: oddString }) }),
  fc.anything({ maxDepth: 2 }),
);

const anyJson = fc.anything({ maxDepth: 2 });
const versionNumber = fc.integer({ min: 1, max: 3 });
const base64Cursor = (before: number) => base64url(JSON.stringify({ before }));

/** What a request part may be: a valid value (so the request gets past validation) and odd ones, by name. */
const parts: Record<string, { valid: fc.Arbitrary<unknown>; odd: fc.Arbitrary<unknown> }> = {
  // path
  kind: { valid: fc.constantFrom('component', 'Component'), odd: fc.oneof(fc.constant('api'), oddText, rawEscape) },
  namespace: { valid: fc.constant('default'), odd: fc.oneof(oddText, rawEscape) },
  name: { valid: fc.constantFrom('payments', 'payments', 'PAYMENTS', 'ledger'), odd: fc.oneof(fc.constantFrom('nope', 'dev-only'), oddText, rawEscape) },
  workspace: { valid: fc.constantFrom('dev', 'staging', 'prod'), odd: fc.oneof(workspaceName, rawEscape) },
  version: { valid: versionNumber.map(String), odd: fc.oneof(numberText, rawEscape) },
  item: { valid: fc.integer({ min: 1, max: 3 }).map(String), odd: fc.oneof(numberText, rawEscape) },
  // query
  limit: { valid: fc.integer({ min: 1, max: 200 }).map(String), odd: numberText },
  cursor: { valid: fc.integer({ min: 1, max: 6 }).map(base64Cursor), odd: fc.oneof(oddCursor, rawEscape) },
  from: { valid: fc.tuple(fc.constantFrom('dev', 'staging', 'prod'), versionNumber).map(([ws, n]) => `${ws}:${n}`), odd: fc.oneof(fc.tuple(workspaceName, numberText).map(([ws, n]) => `${ws}:${n}`), oddText) },
  to: { valid: fc.tuple(fc.constantFrom('dev', 'staging', 'prod'), versionNumber).map(([ws, n]) => `${ws}:${n}`), odd: fc.oneof(fc.tuple(workspaceName, numberText).map(([ws, n]) => `${ws}:${n}`), oddText) },
  wait: { valid: fc.constantFrom('true', 'false'), odd: fc.constantFrom('1', '', 'yes') },
  // body
  spec: { valid: serviceSpecArbitrary(), odd: anySpec },
  message: { valid: fc.string({ unit: 'grapheme', maxLength: 30 }), odd: oddString },
  reason: { valid: fc.string({ unit: 'grapheme', maxLength: 30 }), odd: oddString },
  expectedCurrentVersion: { valid: fc.integer({ min: 0, max: 12 }), odd: oddNumber },
  sourceVersion: { valid: versionNumber, odd: oddNumber },
  origin: { valid: fc.constantFrom('deploy', 'edit', 'scaffolder'), odd: fc.oneof(fc.constantFrom('rollback', ''), anyJson) },
  adopt: { valid: fc.boolean(), odd: anyJson },
  done: { valid: fc.boolean(), odd: anyJson },
  source: { valid: fc.constantFrom('dev', 'staging'), odd: workspaceName },
  target: { valid: fc.constantFrom('staging', 'prod'), odd: workspaceName },
  planHash: { valid: fc.stringMatching(/^[0-9a-f]{64}$/), odd: oddString },
  inputs: {
    valid: fc.constant({}),
    odd: fc.oneof(
      fc.record({ env: fc.dictionary(fc.oneof(fc.constantFrom('NEW_SECRET', 'NEW_FLAG'), oddText), envInput, { maxKeys: 3 }) }),
      anyJson,
    ),
  },
};
const unknownPart = { valid: fc.constant(undefined), odd: oddText };

interface Operation {
  method: 'get' | 'post' | 'delete';
  template: string;
  path: string[];
  query: string[];
  body: string[];
  required: string[];
}

/** Every documented route, with its path and query parameters and body fields. */
const operations: Operation[] = Object.entries(shipyardOpenApiDocument.paths).flatMap(([template, methods]) =>
  Object.entries(methods as Record<string, any>).map(([method, operation]) => ({
    method: method as Operation['method'],
    template,
    path: [...template.matchAll(/\{(\w+)\}/g)].map(m => m[1]),
    query: (operation.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name),
    body: Object.keys(operation.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
    required: [
      ...(operation.parameters ?? []).filter((p: any) => p.required).map((p: any) => p.name),
      ...(operation.requestBody?.content?.['application/json']?.schema?.required ?? []),
    ],
  })),
);

interface Part {
  where: 'path' | 'query' | 'body';
  name: string;
  value: unknown;
  present: boolean;
}

/**
 * One request to one route: a valid one, or one with a single odd part, or
 * with many; sometimes with an unknown query parameter or body field, or a
 * body that is any JSON at all.
 */
const routeRequest = fc.constantFrom(...operations).chain(operation => {
  const names: Array<[Part['where'], string]> = [
    ...operation.path.map(n => ['path', n] as [Part['where'], string]),
    ...operation.query.map(n => ['query', n] as [Part['where'], string]),
    ...operation.body.map(n => ['body', n] as [Part['where'], string]),
    ['query', 'unknown'],
    ['body', 'unknownField'],
  ];
  return fc
    .record({
      mode: fc.constantFrom('valid', 'one odd', 'one odd', 'one odd', 'many odd'),
      oddIndex: fc.nat(names.length - 1),
      wholeBody: fc.option(fc.oneof(anyJson, fc.dictionary(oddText, oddString, { maxKeys: 2 })), { freq: 12 }),
      values: fc.tuple(
        ...names.map(([, name]) => {
          const part = parts[name] ?? unknownPart;
          return fc.record({ valid: part.valid, odd: part.odd, flip: fc.boolean(), present: fc.boolean() });
        }),
      ),
    })
    .map(({ mode, oddIndex, wholeBody, values }) => {
      const chosen: Part[] = names.map(([where, name], i) => {
        const odd = mode === 'one odd' ? i === oddIndex : mode === 'many odd' && values[i].flip;
        const unknown = !parts[name];
        // Path parts are always there; optional ones are there half the time when valid.
        const present = where === 'path' || operation.required.includes(name) || odd || (!unknown && values[i].present);
        return { where, name, value: odd ? values[i].odd : values[i].valid, present };
      });
      let path = `/api/shipyard${operation.template}`;
      for (const part of chosen.filter(p => p.where === 'path')) {
        path = path.replace(`{${part.name}}`, inUrl(part.value));
      }
      const query = chosen
        .filter(p => p.where === 'query' && p.present)
        .map(p => `${p.name}=${inUrl(p.value)}`)
        .join('&');
      const body =
        (mode !== 'valid' ? wholeBody : null) ??
        Object.fromEntries(chosen.filter(p => p.where === 'body' && p.present).map(p => [p.name, p.value]));
      return { operation, mode, url: query ? `${path}?${query}` : path, body };
    });
});

describe.each(databases.eachSupportedId())('the router under generated input (%s)', databaseId => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;
  const stored = async () => {
    const [versions, specs] = await Promise.all([
      knex('shipyard_versions').count({ c: '*' }),
      knex('shipyard_specs').count({ c: '*' }),
    ]);
    return Number(versions[0].c) + Number(specs[0].c);
  };
  const timings: string[] = [];

  beforeAll(async () => {
    knex = await databases.init(databaseId);
    const gateway = new FakeClusterGateway();
    gateway.existingKeys.add('Secret/payments-db/password');
    const started = await startShipyard(knex, { gateway });
    server = started.server;
    stop = () => started.backend.stop();
    // Versions in every workspace, so reads, diffs, plans and rollbacks get past "not found".
    for (const ws of ['dev', 'staging', 'prod', 'dev', 'staging']) {
      const res = await request(server).post(`${PAYMENTS}/workspaces/${ws}/versions?wait=true`).set('Authorization', auth).send({ spec: baseSpec });
      if (res.status !== 201) throw new Error(`seeding ${ws} failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  });
  afterAll(async () => {
    await stop();
    // eslint-disable-next-line no-console
    console.log(`router fuzz (${databaseId}): ${timings.join('; ')}`);
  });

  it('answers a deploy with 201 exactly when the spec is valid, otherwise 4xx naming the problem', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(anySpec, async spec => {
        const before = await stored();
        // The fake cluster has no Secrets or ConfigMaps: this property is about the spec, not about what the namespace holds.
        const res = await request(server)
          .post(`${PAYMENTS}/workspaces/dev/versions`)
          .set('Authorization', auth)
          .send({ spec, allowMissingReferences: true });
        // What the server sees is the JSON of it: undefined members vanish on the wire.
        const wire = JSON.parse(JSON.stringify({ spec }) ?? '{}').spec;
        const valid = wire !== undefined && parseSpec(wire).success;
        const added = (await stored()) - before;
        expect({
          status: res.status >= 400 && res.status < 500 ? '4xx' : res.status,
          stored: res.status === 201 ? added > 0 : added,
          message: res.status === 201 || typeof res.body.error?.message === 'string',
        }).toEqual({ status: valid ? 201 : '4xx', stored: valid ? true : 0, message: true });
      }),
      { numRuns: DEPLOY_RUNS },
    );
    timings.push(`${DEPLOY_RUNS} deploys in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('answers every route, GETs included, with a 2xx or a 4xx with a message, never a 5xx, and stores nothing on a 4xx', async () => {
    const started = Date.now();
    const statuses = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(routeRequest, async ({ operation, url, body }) => {
        const before = await stored();
        let req = request(server)[operation.method](url).set('Authorization', auth);
        // Any JSON, also a bare number or string, as a careless client sends it.
        if (operation.method !== 'get') req = req.set('Content-Type', 'application/json').send(JSON.stringify(body) ?? '');
        const res = await req;
        const added = (await stored()) - before;
        const key = `${operation.method.toUpperCase()} ${operation.template} ${res.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        expect({
          request: `${operation.method.toUpperCase()} ${url.slice(0, 300)}`,
          status: res.status >= 500 ? res.status : Math.floor(res.status / 100) * 100,
          message: res.status < 400 || typeof res.body.error?.message === 'string',
          stored: res.status >= 400 ? added : 'any',
        }).toEqual({
          request: expect.any(String),
          status: res.status < 400 ? 200 : 400,
          message: true,
          stored: res.status >= 400 ? 0 : 'any',
        });
      }),
      { numRuns: ROUTE_RUNS },
    );
    const byClass = new Map<string, number>();
    for (const [key, n] of statuses) {
      const klass = `${key.split(' ')[2].slice(0, 1)}xx`;
      byClass.set(klass, (byClass.get(klass) ?? 0) + n);
    }
    timings.push(
      `${ROUTE_RUNS} requests to ${operations.length} routes in ${((Date.now() - started) / 1000).toFixed(1)} s (${[...byClass]
        .sort()
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}; ${[...statuses.keys()].filter(k => / (200|201)$/.test(k)).length} route/status pairs answered 2xx)`,
    );
    // Every route was reached, and most got past validation at least once.
    const reached = new Set([...statuses.keys()].map(k => k.split(' ').slice(0, 2).join(' ')));
    expect(reached.size).toBe(operations.length);
    const answered = new Set(
      [...statuses.keys()].filter(k => /(200|201|404|409)$/.test(k)).map(k => k.split(' ').slice(0, 2).join(' ')),
    );
    expect(answered.size).toBeGreaterThanOrEqual(operations.length - 1);
  });
});
