import { renderManifests, Workspace } from '@shipyard/backstage-plugin-common';
import { detectDrift } from './detectDrift';

const workspace: Workspace = { name: 'dev', environment: 'dev', tier: 0, namespace: 'shipyard-dev', protected: false, autoRollback: false };
const rendered = renderManifests({
  entityRef: 'component:default/payments',
  name: 'payments',
  workspace,
  version: 4,
  spec: {
    image: 'ghcr.io/acme/payments:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    env: { LOG_LEVEL: 'info' },
    replicas: 2,
    resources: { limits: { cpu: '1000m' } },
  },
});
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** What the API server returns: the applied object plus defaults. */
function live(mutate: (objects: any[]) => void = () => {}) {
  const objects = clone(rendered) as any[];
  const container = objects[0].spec.template.spec.containers[0];
  container.terminationMessagePath = '/dev/termination-log';
  container.imagePullPolicy = 'IfNotPresent';
  container.ports[0].protocol = 'TCP';
  container.resources.limits.cpu = '1';
  objects[1].spec.ports[0].protocol = 'TCP';
  objects[1].spec.clusterIP = '10.0.0.12';
  mutate(objects);
  return new Map(objects.map(o => [o.kind, o]));
}

describe('detectDrift', () => {
  it('does not count defaults and normalised quantities the API server adds as drift', () => {
    expect(detectDrift(rendered, live())).toMatchObject({ drifted: false, fields: [] });
  });

  it('names what kubectl scale and kubectl set image changed, in the spec’s words', () => {
    const report = detectDrift(
      rendered,
      live(([deployment]) => {
        deployment.spec.replicas = 5;
        deployment.spec.template.spec.containers[0].image = 'ghcr.io/acme/payments:hotfix';
      }),
    );
    expect(report.drifted).toBe(true);
    expect(report.fields).toEqual([
      { path: 'image', expected: 'ghcr.io/acme/payments:1.0.0', live: 'ghcr.io/acme/payments:hotfix' },
      { path: 'replicas', expected: 2, live: 5 },
    ]);
  });

  it('notices an env var added with kubectl set env, and a deleted Service', () => {
    const report = detectDrift(
      rendered,
      live(objects => {
        objects[0].spec.template.spec.containers[0].env.push({ name: 'DEBUG', value: '1' });
        objects.splice(1, 1);
      }),
    );
    expect(report.fields.map(f => f.path)).toEqual(['Service payments', 'env.DEBUG']);
  });
});

describe('detectDrift of the fields of a real service', () => {
  const spec = {
    image: 'ghcr.io/acme/payments:1.0.0',
    ports: [{ name: 'http', port: 8080, expose: { host: 'payments.example.com' } }],
    mounts: [{ path: '/etc/payments', configMap: 'payments-config' }],
    sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.31.0' }],
    serviceAccountName: 'payments',
    resources: { limits: { 'nvidia.com/gpu': '1' } },
    disruptionBudget: { minAvailable: 1 },
  };
  const objects = renderManifests({ entityRef: 'component:default/payments', name: 'payments', workspace, version: 2, spec });
  const liveOf = (mutate: (byKind: Record<string, any>) => void) => {
    const byKind: Record<string, any> = Object.fromEntries(clone(objects).map((o: any) => [o.kind, o]));
    mutate(byKind);
    return new Map(Object.entries(byKind));
  };

  it('is quiet when nothing changed', () => {
    expect(detectDrift(objects, liveOf(() => {})).fields).toEqual([]);
  });

  it('names a changed host, an edited volume, a swapped service account, an injected and a removed sidecar, and a deleted PDB', () => {
    const report = detectDrift(
      objects,
      liveOf(byKind => {
        byKind.Ingress.spec.rules[0].host = 'evil.example.com';
        const pod = byKind.Deployment.spec.template.spec;
        pod.volumes[0].configMap.name = 'other-config';
        pod.serviceAccountName = 'default';
        pod.containers = [pod.containers[0], { name: 'istio-proxy', image: 'istio/proxyv2:1.22' }];
        delete byKind.PodDisruptionBudget;
      }),
    );
    expect(report.fields.map(f => f.path)).toEqual([
      'PodDisruptionBudget payments',
      'ports.ingress[0].host',
      'mounts.volumes.mount-0.configMap.name',
      'sidecars.proxy',
      'sidecars.istio-proxy',
      'serviceAccountName',
    ]);
    expect(report.fields.find(f => f.path === 'serviceAccountName')).toMatchObject({ expected: 'payments', live: 'default' });
  });
});
