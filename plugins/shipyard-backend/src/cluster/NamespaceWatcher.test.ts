import { createBackendPlugin, coreServices, AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { KubernetesObject, MANAGED_KINDS, ManagedKind } from '@shipyard/backstage-plugin-common';
import { clusterScriptRun, kubeApi, kubectl, localCluster } from '../__testUtils__/localCluster';
import { NamespaceTarget } from './ClusterGateway';
import { KubernetesClusterGateway } from './KubernetesClusterGateway';
import { NamespaceWatcher, WatchedChange } from './NamespaceWatcher';

/*
 * The watcher through the real Kubernetes plugin's proxy against a control
 * plane of its own (`scale`, SHIPYARD_TEST_CLUSTER_SCALE), because these
 * tests restart its API server and compact its etcd. Needs
 * NODE_OPTIONS=--experimental-vm-modules (scripts/test.mjs sets it).
 */

jest.setTimeout(240_000);

const cluster = localCluster('scale');
const onCluster = cluster ? describe : describe.skip;
const NAMESPACE = `watch-${Math.random().toString(36).slice(2, 7)}`;
const target: NamespaceTarget = { cluster: 'scale', namespace: NAMESPACE };

function deployment(name: string, image = 'ghcr.io/acme/app:1.0.0', managed = true) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: NAMESPACE,
      labels: managed ? { 'app.kubernetes.io/managed-by': 'shipyard', 'shipyard/workspace': 'dev' } : {},
      annotations: { 'shipyard/entity-ref': `component:default/${name}` },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

const create = (name: string, managed = true) =>
  kubeApi(cluster!, `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`, {
    method: 'POST',
    body: JSON.stringify(deployment(name, undefined, managed)),
  });

async function until<T>(what: string, probe: () => T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

/** etcd's current revision and a compaction up to it, through etcd's JSON gateway. */
async function compactEtcd() {
  const etcd = `http://127.0.0.1:${Number(new URL(cluster!.url).port) + 1}`;
  const range = await fetch(`${etcd}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/').toString('base64') }) });
  const revision = (await range.json()).header.revision;
  const compacted = await fetch(`${etcd}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision, physical: true }) });
  expect(compacted.status).toBe(200);
  return Number(revision);
}

onCluster('NamespaceWatcher on a local control plane of its own', () => {
  let gateway: KubernetesClusterGateway;
  let stopBackend: () => Promise<void>;
  const changes: WatchedChange[] = [];
  const watchers: NamespaceWatcher[] = [];
  const logger = mockServices.logger.mock();

  function watch(over: KubernetesClusterGateway | Pick<KubernetesClusterGateway, 'listManaged' | 'watchManaged'> = gateway) {
    const watcher = new NamespaceWatcher({ gateway: over as any, target, logger, onChange: c => changes.push(c) });
    watchers.push(watcher);
    watcher.start();
    return watcher;
  }

  beforeAll(async () => {
    let captured: { discovery: DiscoveryService; auth: AuthService } | undefined;
    const probe = createBackendPlugin({
      pluginId: 'watch-probe',
      register(env) {
        env.registerInit({
          deps: { discovery: coreServices.discovery, auth: coreServices.auth },
          async init(deps) {
            captured = deps;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        probe,
        import('@backstage/plugin-kubernetes-backend'),
        mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
        mockServices.rootConfig.factory({
          data: {
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    { name: 'scale', url: cluster!.url, authProvider: 'serviceAccount', serviceAccountToken: cluster!.token, caData: cluster!.caData },
                  ],
                },
              ],
            },
          },
        }),
      ],
    });
    stopBackend = () => backend.stop();
    gateway = new KubernetesClusterGateway({ ...captured!, logger, watchSeconds: 8 });
    kubectl(cluster!, 'create', 'namespace', NAMESPACE);
  });

  afterEach(async () => {
    await Promise.all(watchers.splice(0).map(w => w.stop()));
    changes.length = 0;
  });

  afterAll(async () => {
    await stopBackend?.();
    if (cluster) kubectl(cluster, 'delete', 'namespace', NAMESPACE, '--wait=false');
  });

  it('lists Shipyard objects of every kind, then reports each change as it happens', async () => {
    await create('listed');
    await create('hand-made', false);
    const watcher = watch();
    await until('the first list', () => watcher.isSynced());
    expect(watcher.get('Deployment', 'listed')?.metadata.name).toBe('listed');
    expect(watcher.get('Deployment', 'hand-made')).toBeUndefined();
    expect(watcher.stats.lists).toBe(MANAGED_KINDS.length);

    // The watcher lists only at its start and after 410 Gone (the stats say
    // it did not), so the new Deployment can only have come from the watch.
    changes.length = 0;
    await create('added');
    await until('the new Deployment', () => changes.find(c => c.name === 'added' && c.object));
    expect(watcher.stats.lists).toBe(MANAGED_KINDS.length);

    kubectl(cluster!, 'set', 'image', '-n', NAMESPACE, 'deployment/listed', 'app=ghcr.io/acme/app:2.0.0');
    await until('the new image', () =>
      (watcher.get('Deployment', 'listed') as any)?.spec.template.spec.containers[0].image === 'ghcr.io/acme/app:2.0.0',
    );
    kubectl(cluster!, 'delete', 'deployment', 'added', '-n', NAMESPACE);
    await until('the deletion', () => changes.find(c => c.name === 'added' && !c.object));
    expect(watcher.get('Deployment', 'added')).toBeUndefined();
    // Nothing was listed again: the changes came by the watch.
    expect(watcher.stats.lists).toBe(MANAGED_KINDS.length);
  });

  it('watches on after the API server restarts, and sees what changed meanwhile', async () => {
    await create('before-restart');
    const watcher = watch();
    await until('the first list', () => watcher.isSynced());
    clusterScriptRun('stop-apiserver', 'scale');
    clusterScriptRun('start-apiserver', 'scale');
    await create('after-restart');
    kubectl(cluster!, 'delete', 'deployment', 'before-restart', '-n', NAMESPACE);
    // The proxy never ends a response whose API server went away: the
    // watch's timeout (8 s here) plus its grace is how long noticing takes.
    await until('the Deployment made after the restart', () => watcher.get('Deployment', 'after-restart'), 40_000);
    await until('the deletion after the restart', () => !watcher.get('Deployment', 'before-restart'), 10_000);
    expect(watcher.stats.errors + watcher.stats.relists).toBeGreaterThan(0);
  });

  it('lists again when the history it would resume from is gone (410 Gone), missing no change', async () => {
    await create('kept');
    await create('deleted-meanwhile');
    // The real gateway, but the test decides when a broken watch may resume.
    const gate: { hold?: Promise<void> } = {};
    let release = () => {};
    const open = new Set<AbortController>();
    // Kinds this cluster serves (no HTTPRoute without the Gateway API CRDs) are the ones watched.
    const served = new Set<string>();
    const held = {
      async listManaged(t: NamespaceTarget, k: ManagedKind) {
        const list = await gateway.listManaged(t, k);
        if (list.resourceVersion) served.add(k.kind);
        return list;
      },
      async *watchManaged(t: NamespaceTarget, k: ManagedKind, rv: string, signal: AbortSignal) {
        if (gate.hold) await gate.hold;
        const own = new AbortController();
        open.add(own);
        try {
          for await (const event of gateway.watchManaged(t, k, rv, AbortSignal.any([signal, own.signal]))) yield event;
        } finally {
          open.delete(own);
        }
      },
    };
    const watcher = watch(held);
    await until('the first list', () => watcher.isSynced());
    await until('the watches', () => served.size > 0 && open.size === served.size);
    gate.hold = new Promise(resolve => (release = resolve));
    for (const connection of open) connection.abort();

    changes.length = 0;
    await create('added-meanwhile');
    kubectl(cluster!, 'delete', 'deployment', 'deleted-meanwhile', '-n', NAMESPACE);
    await compactEtcd();
    // A restarted API server's watch cache starts after the compaction, so
    // the old resourceVersion is gone there too.
    clusterScriptRun('stop-apiserver', 'scale');
    clusterScriptRun('start-apiserver', 'scale');
    release();

    await until('a list after 410 Gone', () => watcher.stats.relists > 0, 30_000);
    await until('the Deployment added while the watch was down', () => watcher.get('Deployment', 'added-meanwhile'), 30_000);
    expect(watcher.get('Deployment', 'deleted-meanwhile')).toBeUndefined();
    expect(watcher.get('Deployment', 'kept')).toBeDefined();
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'Deployment', name: 'added-meanwhile', object: expect.anything() }),
        { kind: 'Deployment', name: 'deleted-meanwhile', object: undefined },
      ]),
    );
    const live: KubernetesObject[] = (await gateway.listManaged(target, MANAGED_KINDS[0])).items;
    expect(new Set(live.map(o => o.metadata.name))).toEqual(
      new Set([...watcher.names()].filter(n => watcher.get('Deployment', n))),
    );
  });
});
