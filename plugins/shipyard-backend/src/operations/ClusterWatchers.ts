import { LoggerService } from '@backstage/backend-plugin-api';
import { KubernetesObject, MANAGED_KINDS } from '@shipyard/backstage-plugin-common';
import { ClusterGateway, RolloutObservation, WorkloadTarget } from '../cluster/ClusterGateway';
import { ChangeSignal } from '../cluster/ChangeSignal';
import { NamespaceWatcher, WatchedChange, WatcherStats } from '../cluster/NamespaceWatcher';
import { observeRollout } from '../cluster/rolloutStatus';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { RolloutFeed } from './VersionOperations';
import { WorkloadReconciler } from './WorkloadReconciler';

const ENTITY_REF_ANNOTATION = 'shipyard/entity-ref';
const WORKSPACE_LABEL = 'shipyard/workspace';
/** Workloads whose lease was busy, or whose check failed, are looked at again this often. */
const RETRY_MS = 2000;
/** Database work at once; SQLite writes one at a time anyway. */
const CONCURRENCY = 4;

type Watchable = Required<Pick<ClusterGateway, 'listManaged' | 'watchManaged'>>;

/** The last state of a workload that was recorded, so repeated events cost nothing. */
interface Seen {
  entityRef: string;
  workspace: string;
  rollout?: string;
  spec?: string;
}

/**
 * Every cluster namespace a workspace lives in, watched by one
 * {@link NamespaceWatcher} for all of its services. A change of a
 * workload's objects wakes whoever follows its rollout in this process;
 * rollouts nobody follows and drift are recorded through the
 * {@link WorkloadReconciler} as soon as the change arrives. Runs on the one
 * replica holding the watcher lease.
 */
export class ClusterWatchers implements RolloutFeed {
  private watchers = new Map<string, NamespaceWatcher>();
  private readonly seen = new Map<string, Seen>();
  /** Per workload (cluster/namespace/name), the followers in this process waiting for its next change. */
  private readonly waiters = new Map<string, ChangeSignal>();
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly retry = new Set<string>();
  private active = 0;
  private retryTimer?: NodeJS.Timeout;
  private idle: Array<() => void> = [];

  constructor(
    private readonly deps: {
      gateway: Watchable;
      workspaces: WorkspaceRegistry;
      reconciler: WorkloadReconciler;
      logger: LoggerService;
    },
  ) {}

  /** Starts one watcher per cluster namespace of the configured workspaces. */
  start(): void {
    if (this.watchers.size > 0) return;
    for (const ws of this.deps.workspaces.list()) {
      if (!ws.cluster) continue;
      const key = `${ws.cluster}/${ws.namespace}`;
      if (this.watchers.has(key)) continue;
      const watcher = new NamespaceWatcher({
        gateway: this.deps.gateway,
        target: { cluster: ws.cluster, namespace: ws.namespace },
        logger: this.deps.logger,
        onChange: change => this.changed(key, change),
      });
      this.watchers.set(key, watcher);
      watcher.start();
    }
    this.retryTimer = setInterval(() => {
      for (const key of this.retry) {
        this.retry.delete(key);
        this.schedule(key);
      }
    }, RETRY_MS);
    this.retryTimer.unref?.();
    this.deps.logger.info(`Watching ${this.watchers.size} cluster namespaces: ${[...this.watchers.keys()].join(', ')}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.retryTimer);
    const watchers = [...this.watchers.values()];
    this.watchers = new Map();
    await Promise.all(watchers.map(w => w.stop()));
    this.queued.clear();
    this.retry.clear();
    this.seen.clear();
    for (const signal of this.waiters.values()) signal.notify();
  }

  isRunning(): boolean {
    return this.watchers.size > 0;
  }

  /** True once every namespace is listed. */
  isSynced(): boolean {
    return this.watchers.size > 0 && [...this.watchers.values()].every(w => w.isSynced());
  }

  /** Resolves when no workload waits to be recorded (tests, the benchmark). */
  async settled(): Promise<void> {
    if (this.queued.size === 0 && this.running.size === 0) return;
    await new Promise<void>(resolve => this.idle.push(resolve));
  }

  stats(): WatcherStats {
    const total: WatcherStats = { lists: 0, watches: 0, relists: 0, events: 0, bookmarks: 0, errors: 0 };
    for (const w of this.watchers.values()) {
      for (const k of Object.keys(total) as Array<keyof WatcherStats>) total[k] += w.stats[k];
    }
    return total;
  }

  observe(workload: WorkloadTarget, number: number): RolloutObservation | undefined {
    const watcher = this.watchers.get(`${workload.cluster}/${workload.namespace}`);
    if (!watcher?.isSynced()) return undefined;
    const deployment = watcher.get('Deployment', workload.name);
    // Right after an apply the watch may still hold the previous version's
    // Deployment: only this version's own answers count.
    if (!deployment || deployment.metadata.labels?.['shipyard/version'] !== String(number)) return undefined;
    return observeRollout(deployment as any, workload);
  }

  watches(workload: WorkloadTarget): boolean {
    return Boolean(this.watchers.get(`${workload.cluster}/${workload.namespace}`)?.isSynced());
  }

  liveObjects(workload: WorkloadTarget): Map<string, KubernetesObject | undefined> | undefined {
    const watcher = this.watchers.get(`${workload.cluster}/${workload.namespace}`);
    if (!watcher?.isSynced()) return undefined;
    return this.liveOf(watcher, workload.name);
  }

  private liveOf(watcher: NamespaceWatcher, name: string) {
    return new Map<string, KubernetesObject | undefined>(MANAGED_KINDS.map(k => [k.kind, watcher.get(k.kind, name)]));
  }

  async next(workload: WorkloadTarget, ms: number): Promise<void> {
    const key = `${workload.cluster}/${workload.namespace}/${workload.name}`;
    const signal = this.waiters.get(key) ?? new ChangeSignal();
    this.waiters.set(key, signal);
    await signal.next(ms);
    if (!signal.hasWaiters() && this.waiters.get(key) === signal) this.waiters.delete(key);
  }

  private changed(namespaceKey: string, change: WatchedChange) {
    const key = `${namespaceKey}/${change.name}`;
    this.waiters.get(key)?.notify();
    this.schedule(key);
  }

  private schedule(key: string) {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.queued.add(key);
    this.pump();
  }

  private pump() {
    while (this.active < CONCURRENCY) {
      const key = this.queued.values().next().value;
      if (key === undefined) break;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      this.check(key)
        .catch(error => {
          this.deps.logger.warn(`Recording what the watch saw of ${key}: ${error}`);
          this.retry.add(key);
        })
        .finally(() => {
          this.active--;
          this.running.delete(key);
          if (this.again.delete(key)) this.queued.add(key);
          this.pump();
          if (this.queued.size === 0 && this.running.size === 0) {
            for (const resolve of this.idle.splice(0)) resolve();
          }
        });
    }
  }

  private async check(key: string) {
    const cut = key.lastIndexOf('/');
    const watcher = this.watchers.get(key.slice(0, cut));
    if (!watcher) return;
    const name = key.slice(cut + 1);
    const live = this.liveOf(watcher, name);
    const some = [...live.values()].find(Boolean);
    const before = this.seen.get(key);
    const entityRef = some?.metadata.annotations?.[ENTITY_REF_ANNOTATION] ?? before?.entityRef;
    const workspaceName = some?.metadata.labels?.[WORKSPACE_LABEL] ?? before?.workspace;
    if (!entityRef || !workspaceName) return;
    const workspace = this.deps.workspaces.list().find(w => w.name === workspaceName);
    if (!workspace || `${workspace.cluster}/${workspace.namespace}` !== key.slice(0, cut)) return;

    const deployment = live.get('Deployment');
    const rollout = observeRollout(deployment as any, { namespace: workspace.namespace, name });
    // A Deployment's spec, an HPA's spec bump the generation; a Service has none.
    const spec = [...live.entries()]
      .map(([kind, o]) => `${kind}:${o ? `${o.metadata.uid}:${(o.metadata as any).generation ?? o.metadata.resourceVersion}` : '-'}`)
      .join(',');
    const rolloutKey = `${rollout.state}:${rollout.version ?? '-'}:${(rollout.progress as any).observedGeneration ?? '-'}`;
    // A follower in this process records its own rollout as soon as it is woken.
    const followed = this.waiters.get(key)?.hasWaiters() ?? false;
    const what = {
      rollout: rollout.state !== 'progressing' && rolloutKey !== before?.rollout && !followed,
      drift: spec !== before?.spec,
    };
    const seen: Seen = { entityRef, workspace: workspaceName, rollout: before?.rollout, spec: before?.spec };
    if (what.rollout || what.drift) {
      const result = await this.deps.reconciler.reconcile({ entityRef, name, workspace }, live, what);
      if (result.busy) {
        this.retry.add(key);
      } else {
        if (what.rollout) seen.rollout = rolloutKey;
        if (what.drift) seen.spec = spec;
      }
    } else if (followed) {
      seen.rollout = rolloutKey;
    }
    this.seen.set(key, seen);
  }
}
