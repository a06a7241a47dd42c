import fc from 'fast-check';
import {
  serviceSpecArbitrary,
  workspaceFor,
} from '../__testUtils__/arbitraries';
import { diffSpecs } from '../diff/diffSpecs';
import { defaultPromotionRules, PROMOTABLE_FIELDS } from '../planner/rules';
import { renderManifests } from '../render/renderManifests';
import type { ServiceSpec } from '../types';
import {
  objectsView,
  specReferences,
  SPEC_FIELD_NAMES,
  SPEC_FIELDS,
  type SpecFieldRegistry,
} from './fields';
import { serviceSpecSchema } from './schema';
import { orderSpec } from './yaml';

const { image: _image, ...withoutImage } = SPEC_FIELDS;
// @ts-expect-error a registry without an entry for a field of ServiceSpec does not compile
const incomplete: SpecFieldRegistry = withoutImage;

function render(spec: ServiceSpec) {
  return renderManifests({
    entityRef: 'component:default/payments',
    name: 'payments',
    workspace: workspaceFor(2),
    version: 1,
    spec,
  });
}

describe('SPEC_FIELDS', () => {
  it('has an entry for every field a spec can have, and the schema knows exactly those', () => {
    expect(incomplete).not.toHaveProperty('image');
    expect(Object.keys(serviceSpecSchema.shape)).toEqual(SPEC_FIELD_NAMES);
    fc.assert(
      fc.property(serviceSpecArbitrary(), spec => {
        for (const [name, value] of Object.entries(spec)) {
          expect(SPEC_FIELD_NAMES).toContain(name);
          const entry = SPEC_FIELDS[name as keyof ServiceSpec];
          expect(entry.schema.safeParse(value).success).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives each field a diff rooted at its name, a YAML order that keeps its value, and a drift reading of what it rendered', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary(), spec => {
        const objects = render(spec);
        const rendered = objectsView(kind =>
          objects.find(o => o.kind === kind),
        );
        for (const name of Object.keys(spec) as Array<keyof ServiceSpec>) {
          if (name === 'image') {
            continue;
          }
          const { [name]: _dropped, ...without } = spec;
          const changes = diffSpecs(without as ServiceSpec, spec);
          for (const change of changes) {
            expect(
              change.path === name || change.path.startsWith(`${name}.`),
            ).toBe(true);
          }
          const entry = SPEC_FIELDS[name];
          expect(JSON.parse(JSON.stringify(orderSpec(spec)[name]))).toEqual(
            JSON.parse(JSON.stringify(spec[name])),
          );
          const withoutObjects = render(without as ServiceSpec);
          // A field that renders something is seen by its drift reading.
          const rendersSomething =
            JSON.stringify(withoutObjects) !== JSON.stringify(objects);
          const seen =
            entry.drift === null ||
            JSON.stringify(entry.drift(rendered)) !==
              JSON.stringify(
                entry.drift(
                  objectsView(kind =>
                    withoutObjects.find(o => o.kind === kind),
                  ),
                ),
              );
          expect({ name, seen: seen || !rendersSomething }).toEqual({
            name,
            seen: true,
          });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives every field that a rule can name a default rule and a reason to show in plans', () => {
    const prod = workspaceFor(2);
    for (const field of PROMOTABLE_FIELDS) {
      const promotion = SPEC_FIELDS[field].promotion;
      expect(defaultPromotionRules.fields[field]).toBe(promotion.rule);
      expect(promotion.reason(prod)).toMatch(/\w/);
    }
    expect(
      SPEC_FIELD_NAMES.filter(name => !PROMOTABLE_FIELDS.includes(name as any)),
    ).toEqual(['env', 'labels', 'annotations']);
  });
});

describe('specReferences', () => {
  it('lists what a spec reads from its namespace, by the path that reads it, leaving optional ones out', () => {
    expect(
      specReferences({
        env: {
          DB: { secretKeyRef: { name: 'db', key: 'password' } },
          FLAGS: {
            configMapKeyRef: { name: 'flags', key: 'x', optional: true },
          },
          PLAIN: 'x',
        },
        envFrom: [{ secret: 'env' }, { configMap: 'maybe', optional: true }],
        mounts: [
          { path: '/a', configMap: 'config' },
          { path: '/b', persistentVolumeClaim: 'data' },
          { path: '/c', emptyDir: {} },
        ],
        sidecars: [
          {
            name: 'proxy',
            image: 'envoy:1',
            env: { TOKEN: { secretKeyRef: { name: 'proxy', key: 'token' } } },
          },
        ],
        imagePullSecrets: ['ghcr'],
      }),
    ).toEqual([
      { kind: 'Secret', name: 'db', key: 'password', path: 'env.DB' },
      { kind: 'Secret', name: 'env', path: 'envFrom[0].secret' },
      { kind: 'ConfigMap', name: 'config', path: 'mounts[0].configMap' },
      {
        kind: 'PersistentVolumeClaim',
        name: 'data',
        path: 'mounts[1].persistentVolumeClaim',
      },
      {
        kind: 'Secret',
        name: 'proxy',
        key: 'token',
        path: 'sidecars[0].env.TOKEN',
      },
      { kind: 'Secret', name: 'ghcr', path: 'imagePullSecrets[0]' },
    ]);
  });
});
