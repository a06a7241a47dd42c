import { InputError } from '@backstage/errors';
import type { Workspace } from '../types';
import {
  DEFAULT_LABEL_POLICY,
  labelPolicyConfigErrors,
  reservedKeyError,
} from './labelPolicy';
import { checkSpecForWorkspace, parseSpec, validateSpec } from './schema';

const image = 'ghcr.io/acme/payments:1.4.2';

const workspace = (labelPolicy?: Workspace['labelPolicy']) => ({
  name: 'prod',
  labelPolicy,
});

describe('reservedKeyError (the default label policy)', () => {
  it.each([
    ['kubernetes.io/arch', 'kubernetes.io/'],
    ['node.kubernetes.io/instance-type', 'kubernetes.io/'],
    ['topology.kubernetes.io/zone', 'kubernetes.io/'],
    ['k8s.io/foo', 'k8s.io/'],
    ['cluster-autoscaler.k8s.io/safe-to-evict', 'k8s.io/'],
    ['shipyard/anything', 'shipyard/'],
    ['app.kubernetes.io/managed-by', 'app.kubernetes.io/managed-by'],
  ])('refuses %s (%s)', (key, entry) => {
    expect(reservedKeyError(key)).toMatch(
      new RegExp(
        `^(uses the reserved prefix|is the reserved key) ${entry.replace(
          /\./g,
          '\\.',
        )}`,
      ),
    );
    expect(reservedKeyError(key)).toMatch(/labelPolicy\.allow/);
  });

  it.each([
    'team',
    'example.com/team',
    'app.kubernetes.io/part-of',
    'app.kubernetes.io/version',
    'notkubernetes.io/x',
    'kubernetes.io.example.com/x',
    'shipyard.example.com/x',
    'k8s.io',
  ])('permits %s', key => {
    expect(reservedKeyError(key)).toBeUndefined();
  });
});

describe('reservedKeyError with a workspace policy', () => {
  it('lets a workspace allow a reserved prefix, or one key of it', () => {
    expect(
      reservedKeyError('k8s.io/foo', { allow: ['k8s.io/'] }),
    ).toBeUndefined();
    expect(
      reservedKeyError('sub.k8s.io/foo', { allow: ['k8s.io/'] }),
    ).toBeUndefined();
    expect(
      reservedKeyError('kubernetes.io/change-cause', {
        allow: ['kubernetes.io/change-cause'],
      }),
    ).toBeUndefined();
    expect(
      reservedKeyError('kubernetes.io/other', {
        allow: ['kubernetes.io/change-cause'],
      }),
    ).toMatch(/reserved prefix kubernetes\.io\//);
  });

  it('lets a more specific default deny win over a broad workspace allow', () => {
    expect(
      reservedKeyError('app.kubernetes.io/managed-by', {
        allow: ['kubernetes.io/'],
      }),
    ).toMatch(/reserved key app\.kubernetes\.io\/managed-by/);
  });

  it('lets a workspace deny more, down to one key, and deny beats its own allow', () => {
    expect(
      reservedKeyError('acme.com/cost-center', { deny: ['acme.com/'] }),
    ).toBe(
      "uses the reserved prefix acme.com/, denied by the workspace's labelPolicy",
    );
    expect(reservedKeyError('team', { deny: ['team'] })).toBe(
      "is the reserved key team, denied by the workspace's labelPolicy",
    );
    expect(
      reservedKeyError('app.kubernetes.io/part-of', {
        deny: ['app.kubernetes.io/'],
      }),
    ).toMatch(/denied by the workspace/);
    expect(
      reservedKeyError('acme.com/x', {
        allow: ['acme.com/'],
        deny: ['acme.com/'],
      }),
    ).toMatch(/denied/);
    expect(
      reservedKeyError('ok.acme.com/x', {
        allow: ['ok.acme.com/'],
        deny: ['acme.com/'],
      }),
    ).toBeUndefined();
  });

  it('keeps the default policy what the design says', () => {
    expect(DEFAULT_LABEL_POLICY.deny).toEqual([
      'kubernetes.io/',
      'k8s.io/',
      'shipyard/',
      'app.kubernetes.io/managed-by',
    ]);
  });
});

describe('label policy in specs', () => {
  it('is applied by parseSpec and validateSpec, to labels and annotations, naming the key', () => {
    expect(
      parseSpec({
        image,
        labels: { 'kubernetes.io/foo': 'x', team: 'a' },
        annotations: { 'k8s.io/bar': 'y', 'example.com/ok': 'z' },
      }),
    ).toEqual({
      success: false,
      errors: [
        {
          path: 'labels.kubernetes.io/foo',
          message: expect.stringMatching(
            /^uses the reserved prefix kubernetes\.io\//,
          ),
        },
        {
          path: 'annotations.k8s.io/bar',
          message: expect.stringMatching(/^uses the reserved prefix k8s\.io\//),
        },
      ],
    });
    expect(() =>
      validateSpec({ image, labels: { 'shipyard/team': 'a' } }),
    ).toThrow(
      /^Invalid spec: labels\.shipyard\/team: uses the reserved prefix shipyard\//,
    );
  });

  it('also reports the policy when another field is invalid', () => {
    const result = parseSpec({
      image,
      replicas: -1,
      labels: { 'k8s.io/a': 'b' },
    });
    expect(result.success || result.errors.map(e => e.path)).toEqual([
      'replicas',
      'labels.k8s.io/a',
    ]);
  });
});

describe('checkSpecForWorkspace', () => {
  const spec = { image, labels: { 'k8s.io/gpu': 'a100' } };

  it('refuses reserved keys with an InputError naming the field and the workspace', () => {
    expect(() => checkSpecForWorkspace(spec, workspace())).toThrow(InputError);
    expect(() => checkSpecForWorkspace(spec, workspace())).toThrow(
      /^Invalid spec for workspace 'prod': labels\.k8s\.io\/gpu: uses the reserved prefix k8s\.io\//,
    );
  });

  it("permits what the workspace's allow list permits, and returns the spec", () => {
    expect(
      checkSpecForWorkspace(spec, workspace({ allow: ['k8s.io/'] })),
    ).toEqual(spec);
  });

  it("refuses what the workspace's deny list adds", () => {
    expect(() =>
      checkSpecForWorkspace(
        { image, annotations: { 'billing.acme.com/code': '7' } },
        workspace({ deny: ['acme.com/'] }),
      ),
    ).toThrow(
      /annotations\.billing\.acme\.com\/code: uses the reserved prefix acme\.com\/, denied/,
    );
  });

  it('never permits the keys Shipyard sets itself', () => {
    expect(() =>
      checkSpecForWorkspace(
        { image, labels: { 'shipyard/version': '1' } },
        workspace({ allow: ['shipyard/', 'shipyard/version'] }),
      ),
    ).toThrow(/labels\.shipyard\/version: is reserved/);
  });

  it('checks everything else validateSpec checks', () => {
    expect(() =>
      checkSpecForWorkspace(
        { image, replicas: -1 },
        workspace({ allow: ['k8s.io/'] }),
      ),
    ).toThrow(/replicas: must be >= 0/);
  });
});

describe('labelPolicyConfigErrors', () => {
  it('accepts domains ending in "/" and exact keys', () => {
    expect(
      labelPolicyConfigErrors({
        allow: ['k8s.io/', 'kubernetes.io/change-cause', 'team'],
        deny: ['acme.com/'],
      }),
    ).toEqual([]);
  });

  it('names each malformed entry', () => {
    expect(
      labelPolicyConfigErrors({ allow: ['K8S.io/', 'a/b/c'], deny: ['/'] }),
    ).toEqual([
      {
        path: 'allow[0]',
        message: expect.stringMatching(
          /^'K8S\.io\/' must be a DNS-1123 subdomain/,
        ),
      },
      {
        path: 'allow[1]',
        message: expect.stringMatching(/^'a\/b\/c' must be a qualified name/),
      },
      { path: 'deny[0]', message: expect.stringMatching(/^'\/' /) },
    ]);
  });
});
