import { LoggerService } from '@backstage/backend-plugin-api';
import { KubernetesObject, MANAGED_KINDS, ManagedKind } from '@shipyard/backstage-plugin-common';
import { ClusterGateway, NamespaceTarget, WatchExpiredError } from './ClusterGateway';

/** An object of a watched namespace changed; `object` is undefined once it is deleted. @public */
export interface WatchedChange {
  kind: string;
  name: string;
  object?: KubernetesObject;
}

/** What a watcher did since it started, for logs, tests and the benchmark. @public */
export interface WatcherStats {
  lists: number;
  watches: number;
  /** Lists made again because the watch's history was gone (410). */
  relists: number;
  events: number;
  bookmarks: number;
  errors: number;
}

type Watchable = Required<Pick<ClusterGateway, 'listManaged' | 'watchManaged'>>;

/** True when the gateway can list and watch, so Shipyard need not poll per service. @public */
export function canWatch(gateway: ClusterGateway): gateway is ClusterGateway & Watchable {
  return typeof gateway.listManaged === 'function' && typeof gateway.watchManaged === 'function';
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;
const UNSERVED_RETRY_MS = 5 * 60_000;

/**
 * Follows Shipyard's objects in one cluster namespace, for every service at
 * once: per managed kind a labelled list, then a watch from the list's
 * resourceVersion, resumed from the last one seen when the cluster ends
 * it, and listed again when the connection breaks or the history is gone
 * (410 Gone). It keeps the objects it saw, and reports each change of an
 * object; a list reports what changed since the objects it replaces.
 */
export class NamespaceWatcher {
  readonly stats: WatcherStats = { lists: 0, watches: 0, relists: 0, events: 0, bookmarks: 0, errors: 0 };
  private readonly objects = new Map<string, Map<string, KubernetesObject>>(MANAGED_KINDS.map(k => [k.kind, new Map()]));
  private readonly synced = new Set<string>();
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(
    private readonly deps: {
      gateway: Watchable;
      target: NamespaceTarget;
      logger: LoggerService;
      onChange: (change: WatchedChange) => void;
      /** Called when every kind is listed, after a start and after each list. */
      onSynced?: () => void;
    },
  ) {}

  start(): void {
    this.loops = MANAGED_KINDS.map(kind => this.follow(kind));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }

  /** True while every kind is listed and watched without error: the kept objects are the cluster's. */
  isSynced(): boolean {
    return this.synced.size === MANAGED_KINDS.length;
  }

  /** The object as last seen; undefined when absent or not yet listed. */
  get(kind: string, name: string): KubernetesObject | undefined {
    return this.objects.get(kind)?.get(name);
  }

  /** The names that have an object of any kind. */
  names(): Set<string> {
    return new Set([...this.objects.values()].flatMap(byName => [...byName.keys()]));
  }

  private async follow(kind: ManagedKind) {
    const { gateway, target, logger } = this.deps;
    const where = `${kind.kind} in ${target.cluster}/${target.namespace}`;
    let resourceVersion: string | undefined;
    let retryMs = FIRST_RETRY_MS;
    while (!this.abort.signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await gateway.listManaged(target, kind);
          this.stats.lists++;
          if (this.abort.signal.aborted) return;
          this.replace(kind.kind, list.items);
          resourceVersion = list.resourceVersion;
          this.synced.add(kind.kind);
          if (this.isSynced()) this.deps.onSynced?.();
          if (!resourceVersion) {
            // Not served by this cluster: look again now and then, in case it gets installed.
            resourceVersion = undefined;
            await this.pause(UNSERVED_RETRY_MS);
            continue;
          }
        }
        this.stats.watches++;
        for await (const event of gateway.watchManaged(target, kind, resourceVersion, this.abort.signal)) {
          retryMs = FIRST_RETRY_MS;
          if (event.type === 'BOOKMARK') {
            this.stats.bookmarks++;
            resourceVersion = event.resourceVersion;
            continue;
          }
          this.stats.events++;
          resourceVersion = String(event.object.metadata.resourceVersion ?? resourceVersion);
          this.put(kind.kind, event.object.metadata.name, event.type === 'DELETED' ? undefined : event.object);
        }
        // The cluster ended the watch (its timeout) or the connection
        // closed: resume from the last resourceVersion seen.
      } catch (error) {
        if (this.abort.signal.aborted) return;
        if (error instanceof WatchExpiredError) {
          this.stats.relists++;
          logger.info(`${where}: ${error.message}; listing again`);
          resourceVersion = undefined;
          continue;
        }
        this.stats.errors++;
        // What was kept may be missing changes now: nobody reads it until a
        // list has brought it up to date again.
        this.synced.delete(kind.kind);
        resourceVersion = undefined;
        logger.warn(`Watching ${where}: ${error}; listing again in ${retryMs} ms`);
        await this.pause(retryMs + Math.random() * retryMs);
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
  }

  private pause(ms: number) {
    return new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** A list replaces what was kept: whatever differs is a change, including deletions missed meanwhile. */
  private replace(kind: string, items: KubernetesObject[]) {
    const kept = this.objects.get(kind)!;
    const listed = new Set<string>();
    for (const item of items) {
      listed.add(item.metadata.name);
      if (kept.get(item.metadata.name)?.metadata.resourceVersion !== item.metadata.resourceVersion) {
        this.put(kind, item.metadata.name, item);
      }
    }
    for (const name of [...kept.keys()]) {
      if (!listed.has(name)) this.put(kind, name, undefined);
    }
  }

  private put(kind: string, name: string, object: KubernetesObject | undefined) {
    const kept = this.objects.get(kind)!;
    if (object) kept.set(name, object);
    else if (!kept.delete(name)) return;
    this.deps.onChange({ kind, name, object });
  }
}
