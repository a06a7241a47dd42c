import type {
  ServiceWorkspaceState,
  ShipyardApi,
  Version,
  VersionPage,
  VersionStatus,
} from '@shipyard/backstage-plugin-common';

/** How often the store refreshes while a version is being applied or rolled out. */
export const POLL_INTERVAL_MS = 2000;

/** How often it refreshes otherwise, to show what others deployed meanwhile. */
export const IDLE_POLL_INTERVAL_MS = 15_000;

/**
 * How often it refreshes otherwise while signals tell it of every status
 * change (see useServiceSignal): only for drift, and for a signal lost to a
 * broken connection.
 */
export const SIGNALLED_IDLE_POLL_INTERVAL_MS = 120_000;

/** How long after an operation finished the store keeps polling for its drift check. */
export const DRIFT_GRACE_MS = 20_000;

/** The statuses of a version whose rollout is not finished yet. */
export const ACTIVE_STATUSES: readonly VersionStatus[] = [
  'pending',
  'applying',
  'progressing',
];

/** Whether a version is still being applied or rolled out. */
export function isActive(version?: Pick<Version, 'status'>): boolean {
  return !!version && ACTIVE_STATUSES.includes(version.status);
}

// A version only moves forward: pending, applying, progressing, then an end.
const STAGE: Record<VersionStatus, number> = {
  pending: 0,
  applying: 1,
  progressing: 2,
  succeeded: 3,
  failed: 3,
  recorded: 3,
};

/**
 * Whether a workspace's current version finished a moment ago and its drift
 * was not checked since: the backend checks it right after every operation,
 * so the answer is on its way.
 */
export function awaitingDriftCheck(
  state: ServiceWorkspaceState,
  now: number = Date.now(),
): boolean {
  const current = state.currentVersion;
  if (!current || !state.workspace.cluster || state.workspace.notApplied) {
    return false;
  }
  if (isActive(current)) {
    return true;
  }
  const finished = Date.parse(current.finishedAt ?? current.createdAt);
  const checked = state.drift ? Date.parse(state.drift.checkedAt) : 0;
  return checked < finished && now - finished < DRIFT_GRACE_MS;
}

/** What the store knows about the service's workspaces. */
export interface ServiceStatusSnapshot {
  /** Each workspace, its current and latest version the freshest copy the store has. */
  states?: ServiceWorkspaceState[];
  error?: Error;
  loading: boolean;
}

interface Entry {
  version: Version;
  /** The request that brought this copy; a later request's copy is fresher. */
  request: number;
}

const key = (workspace: string, number: number) =>
  `${workspace}\u0000${number}`;

/**
 * One service's versions as the UI shows them, from one cache: every answer
 * that carries a version (the workspaces, a page of history, one version, the
 * result of a deploy, rollback or promotion) goes through {@link record}, and
 * every place that shows a version reads the freshest copy back. So the
 * workspace header, the history row, the operation notice, the promotion
 * result, the overview card and the pipeline always agree, and they move
 * together. Requests are numbered when they are sent: a copy from a request
 * sent later wins, and a version's status never moves backwards.
 *
 * One refresh loop per service while anything shows it: every
 * {@link POLL_INTERVAL_MS} while a version rolls out or a drift check is due,
 * every {@link IDLE_POLL_INTERVAL_MS} otherwise, not while the page is hidden.
 */
export class ServiceStatusStore {
  private requests = 0;
  private readonly versions = new Map<string, Entry>();
  private rawStates?: ServiceWorkspaceState[];
  private statesRequest = 0;
  private error?: Error;
  private loading = false;
  private snapshot: ServiceStatusSnapshot = { loading: true };
  private readonly listeners = new Set<() => void>();
  private timer?: ReturnType<typeof setTimeout>;
  private pendingReload?: Promise<ServiceWorkspaceState[] | undefined>;
  private lastLoadedAt = 0;
  private signalSources = 0;
  private lastSignal?: object;
  private reloadAgain = false;

  constructor(private readonly api: ShipyardApi, readonly entityRef: string) {}

  /** The current snapshot; a new object whenever anything in it changed. */
  getSnapshot = (): ServiceStatusSnapshot => this.snapshot;

  /** The freshest copy of a version, or undefined when none was seen. */
  version(workspace: string, number: number): Version | undefined {
    return this.versions.get(key(workspace, number))?.version;
  }

  /** The freshest copy of `version`: the store's, when it has one. */
  fresh = (version: Version): Version =>
    this.versions.get(key(version.workspace, version.number))?.version ??
    version;

  /**
   * Takes versions in, from a request numbered by {@link begin}; returns
   * whether anything changed. A result of a mutation is recorded the same way.
   */
  record(
    versions: Array<Version | undefined>,
    request: number = this.begin(),
  ): boolean {
    let changed = false;
    for (const version of versions) {
      if (!version) {
        continue;
      }
      const id = key(version.workspace, version.number);
      const known = this.versions.get(id);
      if (known && !isFresher(version, request, known)) {
        continue;
      }
      this.versions.set(id, { version, request });
      changed = true;
    }
    if (changed) {
      this.publish();
      if (versions.some(v => isActive(v))) {
        this.schedule();
      }
    }
    return changed;
  }

  /** Numbers a request as it is sent. */
  begin(): number {
    return ++this.requests;
  }

  /** Fetches the workspaces again; concurrent calls share one request. */
  reload = (): Promise<ServiceWorkspaceState[] | undefined> => {
    if (!this.pendingReload) {
      this.pendingReload = this.load().finally(() => {
        this.pendingReload = undefined;
        if (this.reloadAgain) {
          this.reloadAgain = false;
          this.reload();
        } else {
          this.schedule();
        }
      });
    }
    return this.pendingReload;
  };

  /** A page of history; its versions go through the cache. */
  async listVersions(
    workspace: string,
    options: { limit?: number; cursor?: string },
  ): Promise<VersionPage> {
    const request = this.begin();
    const page = await this.api.listVersions(
      this.entityRef,
      workspace,
      options,
    );
    this.record(page.items, request);
    return page;
  }

  /** Runs a mutation that answers with a version, records it, and refreshes the workspaces. */
  async track<T extends Version>(mutation: () => Promise<T>): Promise<T> {
    const request = this.begin();
    const version = await mutation();
    this.record([version], request);
    this.reload();
    return version;
  }

  /**
   * A component receives the service's signals: idle refreshes become rare
   * until the last one detaches (the returned function).
   */
  attachSignals = (): (() => void) => {
    this.signalSources++;
    this.schedule();
    return () => {
      this.signalSources--;
      this.schedule();
    };
  };

  /**
   * The backend signalled a status change: refresh now. A signal during a
   * refresh gets one more, as that request may have been answered before the
   * change; the same message delivered to several components counts once.
   */
  signalled = (message: object): void => {
    if (message === this.lastSignal) {
      return;
    }
    this.lastSignal = message;
    if (this.pendingReload) {
      this.reloadAgain = true;
    } else {
      this.reload();
    }
  };

  /** Starts the refresh loop with the first subscriber and stops it after the last. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      if (!this.rawStates || Date.now() - this.lastLoadedAt > this.interval()) {
        this.reload();
      } else {
        this.schedule();
      }
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  };

  private async load(): Promise<ServiceWorkspaceState[] | undefined> {
    const request = this.begin();
    this.loading = true;
    this.publish();
    try {
      const states = await this.api.getServiceWorkspaces(this.entityRef);
      if (request > this.statesRequest) {
        this.statesRequest = request;
        this.rawStates = states;
        this.error = undefined;
      }
      this.record(
        states.flatMap(s => [s.currentVersion, s.latestVersion]),
        request,
      );
      await this.refreshStragglers(states);
      return this.snapshot.states;
    } catch (e) {
      if (request >= this.statesRequest) {
        this.error = e as Error;
      }
      return undefined;
    } finally {
      this.lastLoadedAt = Date.now();
      this.loading = false;
      this.publish();
    }
  }

  /**
   * Versions still rolling out that are neither current nor latest (a page
   * of history showed them) are fetched one by one, so no row is left behind.
   */
  private async refreshStragglers(states: ServiceWorkspaceState[]) {
    const covered = new Set(
      states.flatMap(s =>
        [s.currentVersion, s.latestVersion].map(
          v => v && key(v.workspace, v.number),
        ),
      ),
    );
    const stragglers = [...this.versions.entries()]
      .filter(([id, entry]) => !covered.has(id) && isActive(entry.version))
      .slice(0, 5)
      .map(([, entry]) => entry.version);
    await Promise.all(
      stragglers.map(async version => {
        const request = this.begin();
        try {
          const detail = await this.api.getVersion(
            this.entityRef,
            version.workspace,
            version.number,
          );
          const { manifests: _, ...plain } = detail;
          this.record([plain], request);
        } catch {
          // The next refresh tries again.
        }
      }),
    );
  }

  private interval(): number {
    const states = this.snapshot.states ?? [];
    const now = Date.now();
    const busy =
      states.some(
        s =>
          isActive(s.currentVersion) ||
          isActive(s.latestVersion) ||
          !!s.lease ||
          awaitingDriftCheck(s, now),
      ) || [...this.versions.values()].some(e => isActive(e.version));
    if (busy) {
      return POLL_INTERVAL_MS;
    }
    return this.signalSources > 0
      ? SIGNALLED_IDLE_POLL_INTERVAL_MS
      : IDLE_POLL_INTERVAL_MS;
  }

  /** Plans the next refresh, sooner when something is rolling out. */
  private schedule() {
    if (this.listeners.size === 0 || this.pendingReload) {
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (typeof document !== 'undefined' && document.hidden) {
        this.schedule();
        return;
      }
      this.reload();
    }, this.interval());
  }

  private publish() {
    const states = this.rawStates?.map(state => {
      const current = state.currentVersion && this.fresh(state.currentVersion);
      const latest = state.latestVersion && this.fresh(state.latestVersion);
      return current === state.currentVersion && latest === state.latestVersion
        ? state
        : { ...state, currentVersion: current, latestVersion: latest };
    });
    this.snapshot = { states, error: this.error, loading: this.loading };
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}

function isFresher(version: Version, request: number, known: Entry): boolean {
  const stage = STAGE[version.status] ?? 0;
  const knownStage = STAGE[known.version.status] ?? 0;
  if (stage !== knownStage) {
    return stage > knownStage;
  }
  return request >= known.request;
}

const stores = new WeakMap<ShipyardApi, Map<string, ServiceStatusStore>>();

/** The one store of a service for an API instance, so every component of the page shares it. */
export function serviceStatusStore(
  api: ShipyardApi,
  entityRef: string,
): ServiceStatusStore {
  let byService = stores.get(api);
  if (!byService) {
    byService = new Map();
    stores.set(api, byService);
  }
  let store = byService.get(entityRef);
  if (!store) {
    store = new ServiceStatusStore(api, entityRef);
    byService.set(entityRef, store);
  }
  return store;
}
