import fc from 'fast-check';
import { serviceSpecArbitrary } from '../__testUtils__/arbitraries';
import type { ServiceSpec } from '../types';
import { diffSpecs } from './diffSpecs';

const before: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.4.2',
  ports: [{ name: 'http', port: 8080 }],
  env: {
    LOG_LEVEL: 'info',
    DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
    OLD: 'x',
  },
  resources: { requests: { cpu: '250m' }, limits: { memory: '512Mi' } },
  replicas: 2,
  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
  labels: { team: 'payments' },
};

describe('diffSpecs', () => {
  it('returns nothing for equal specs, whatever their key order', () => {
    expect(diffSpecs(before, JSON.parse(JSON.stringify(before)))).toEqual([]);
    expect(
      diffSpecs(
        { image: 'a:1', env: { A: '1', B: '2' } },
        { env: { B: '2', A: '1' }, image: 'a:1' },
      ),
    ).toEqual([]);
    expect(diffSpecs(undefined, undefined)).toEqual([]);
  });

  it('lists changes field by field in spec order, maps per key in key order', () => {
    const after: ServiceSpec = {
      image: 'ghcr.io/acme/payments:1.5.0',
      ports: [{ name: 'http', port: 8081 }],
      env: {
        LOG_LEVEL: 'debug',
        DB_PASSWORD: {
          secretKeyRef: { name: 'payments-db-v2', key: 'password' },
        },
        ADDED: 'y',
      },
      resources: { requests: { cpu: '500m' }, limits: { memory: '512Mi' } },
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
      readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
      livenessProbe: { tcpSocket: { port: 'http' } },
      labels: { team: 'checkout' },
      annotations: { note: 'hi' },
    };
    expect(diffSpecs(before, after)).toEqual([
      {
        path: 'image',
        kind: 'changed',
        before: before.image,
        after: after.image,
      },
      {
        path: 'ports',
        kind: 'changed',
        before: before.ports,
        after: after.ports,
      },
      { path: 'env.ADDED', kind: 'added', after: 'y' },
      {
        path: 'env.DB_PASSWORD',
        kind: 'changed',
        before: { secretKeyRef: { name: 'payments-db', key: 'password' } },
        after: { secretKeyRef: { name: 'payments-db-v2', key: 'password' } },
      },
      {
        path: 'env.LOG_LEVEL',
        kind: 'changed',
        before: 'info',
        after: 'debug',
      },
      { path: 'env.OLD', kind: 'removed', before: 'x' },
      {
        path: 'resources.requests.cpu',
        kind: 'changed',
        before: '250m',
        after: '500m',
      },
      { path: 'replicas', kind: 'removed', before: 2 },
      { path: 'autoscaling.minReplicas', kind: 'added', after: 2 },
      { path: 'autoscaling.maxReplicas', kind: 'added', after: 4 },
      {
        path: 'livenessProbe',
        kind: 'added',
        after: { tcpSocket: { port: 'http' } },
      },
      {
        path: 'labels.team',
        kind: 'changed',
        before: 'payments',
        after: 'checkout',
      },
      { path: 'annotations.note', kind: 'added', after: 'hi' },
    ]);
  });

  it('shows every field as added against nothing, and removed towards nothing', () => {
    const added = diffSpecs(undefined, before);
    expect(added.every(change => change.kind === 'added')).toBe(true);
    expect(added.map(change => change.path)).toEqual([
      'image',
      'ports',
      'env.DB_PASSWORD',
      'env.LOG_LEVEL',
      'env.OLD',
      'resources.requests.cpu',
      'resources.limits.memory',
      'replicas',
      'readinessProbe',
      'labels.team',
    ]);
    expect(
      diffSpecs(before, undefined).every(change => change.kind === 'removed'),
    ).toBe(true);
  });

  it('treats command and args as whole values', () => {
    expect(
      diffSpecs(
        { image: 'a:1', args: ['a', 'b'] },
        { image: 'a:1', args: ['a', 'c'] },
      ),
    ).toEqual([
      { path: 'args', kind: 'changed', before: ['a', 'b'], after: ['a', 'c'] },
    ]);
  });

  it('does not confuse map keys with Object.prototype members', () => {
    expect(
      diffSpecs(
        { image: 'a:1', env: {} },
        { image: 'a:1', env: { constructor: 'x' } },
      ),
    ).toEqual([{ path: 'env.constructor', kind: 'added', after: 'x' }]);
  });

  it('is empty exactly when the specs are equal, and undoes itself when reversed', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary(), serviceSpecArbitrary(), (a, b) => {
        expect(diffSpecs(a, a)).toEqual([]);
        const forward = diffSpecs(a, b);
        const backward = diffSpecs(b, a);
        expect(backward.map(change => change.path)).toEqual(
          forward.map(change => change.path),
        );
        for (const [index, change] of forward.entries()) {
          expect(backward[index].before).toEqual(change.after);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('diffSpecs of the fields of a real service', () => {
  it('gives each new field its line, extended resources by name', () => {
    const base: ServiceSpec = { image: 'a:1' };
    const changed: ServiceSpec = {
      image: 'a:1',
      ports: [{ port: 80, expose: { host: 'a.example.com' } }],
      envFrom: [{ secret: 'env' }],
      mounts: [{ path: '/etc/a', configMap: 'a' }],
      resources: { limits: { cpu: '1', 'nvidia.com/gpu': '1' } },
      strategy: { type: 'Recreate' },
      preStop: ['sleep', '5'],
      terminationGracePeriodSeconds: 30,
      sidecars: [{ name: 'proxy', image: 'envoy:1' }],
      initContainers: [{ name: 'migrate', image: 'migrate:1' }],
      serviceAccountName: 'a',
      imagePullSecrets: ['pull'],
      nodeSelector: { pool: 'gpu' },
      tolerations: [{ operator: 'Exists' }],
      disruptionBudget: { maxUnavailable: '10%' },
    };
    expect(diffSpecs(base, changed).map(c => `${c.kind} ${c.path}`)).toEqual([
      'added ports',
      'added envFrom',
      'added mounts',
      'added resources.limits.cpu',
      'added resources.limits.nvidia.com/gpu',
      'added strategy',
      'added preStop',
      'added terminationGracePeriodSeconds',
      'added sidecars',
      'added initContainers',
      'added serviceAccountName',
      'added imagePullSecrets',
      'added nodeSelector',
      'added tolerations',
      'added disruptionBudget',
    ]);
    expect(diffSpecs(changed, base)).toHaveLength(15);
  });
});
