import {
  DriftReport,
  KubernetesObject,
  LiveState,
  ManagedKind,
  RolloutProgress,
} from '@shipyard/backstage-plugin-common';

/** The workload of one service in one workspace. @public */
export interface WorkloadTarget {
  /** A cluster name from the Kubernetes plugin's configuration. */
  cluster: string;
  namespace: string;
  /** The Kubernetes name of the service's objects. */
  name: string;
}

/** What the cluster says about a Deployment's rollout. @public */
export interface RolloutObservation {
  state: 'progressing' | 'succeeded' | 'failed';
  progress: RolloutProgress;
  /** The cluster's own message, e.g. the Progressing condition's. */
  message?: string;
  /** The `shipyard/version` label of the live Deployment: the version the cluster runs. */
  version?: number;
}

/** Options of {@link ClusterGateway.apply}. @public */
export interface ApplyOptions {
  /** The entity the objects belong to; objects of another entity are never touched. */
  entityRef: string;
  /**
   * Take over objects of the same name that Shipyard did not create (no
   * Shipyard labels). Objects of another entity are refused all the same.
   */
  adopt?: boolean;
}

/** What a spec needs of its workspace's namespace: the kinds it renders and the Ingress class it uses. @public */
export interface ReadinessNeeds {
  kinds: ManagedKind[];
  ingressClassName?: string;
}

/** One reason a workspace is not ready, with how to fix it in the message. @public */
export interface ReadinessProblem {
  code: 'namespace-missing' | 'not-permitted' | 'ingress-class-missing' | 'gateway-api-missing';
  message: string;
}

/** A Secret, ConfigMap or PersistentVolumeClaim (or a key of one) that a spec references. @public */
export interface ObjectKeyReference {
  kind: 'Secret' | 'ConfigMap' | 'PersistentVolumeClaim';
  name: string;
  /** The key that must exist; absent when the whole object is read (envFrom, a mount). */
  key?: string;
  /** The spec path that references it, e.g. `env.DB_PASSWORD` or `mounts[0].secret`. */
  path: string;
}

/**
 * A refusal or failure of the cluster, carrying the cluster's own message.
 * `applied` lists the objects (`Kind/name`) that were applied before the
 * failure: empty when nothing changed, otherwise a partial apply.
 * @public
 */
export class ClusterOperationError extends Error {
  name = 'ClusterOperationError';
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'forbidden' | 'invalid' | 'failed',
    readonly applied: string[] = [],
  ) {
    super(message);
  }
}

/** One namespace of one cluster: what a watch covers. @public */
export interface NamespaceTarget {
  /** A cluster name from the Kubernetes plugin's configuration. */
  cluster: string;
  namespace: string;
}

/** Shipyard's objects of one kind in a namespace, and the resourceVersion to watch from. @public */
export interface ManagedObjectList {
  items: KubernetesObject[];
  /** Empty when the cluster does not serve the kind (a CRD that is not installed): nothing to watch. */
  resourceVersion: string;
}

/** A change a watch reports; a bookmark only moves the resourceVersion on. @public */
export type ManagedObjectEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubernetesObject }
  | { type: 'BOOKMARK'; resourceVersion: string };

/**
 * The cluster no longer has the history a watch asked for (410 Gone): the
 * watcher must list again.
 * @public
 */
export class WatchExpiredError extends Error {
  name = 'WatchExpiredError';
}

/**
 * How Shipyard talks to Kubernetes. The production implementation uses the
 * clusters and credentials of the Kubernetes plugin; tests may substitute it.
 * @public
 */
export interface ClusterGateway {
  /**
   * A ConflictError naming the owner when an object of the workload's name
   * exists and is not the entity's own: another entity's, or one Shipyard
   * did not create (unless `adopt`). Reads only.
   */
  assertOwnership(target: WorkloadTarget, options: ApplyOptions): Promise<void>;
  /**
   * Checks that every object of the workload's name is the entity's own (a
   * ConflictError naming the owner otherwise, with nothing applied), then a
   * server-side dry run, server-side apply of `manifests` under Shipyard's
   * field manager, and pruning of the entity's objects that `manifests` no
   * longer contains. Throws {@link ClusterOperationError}.
   */
  apply(target: WorkloadTarget, manifests: KubernetesObject[], options: ApplyOptions): Promise<void>;
  /** The rollout state of the workload's Deployment. */
  getRollout(target: WorkloadTarget): Promise<RolloutObservation>;
  /** The live objects and their drift against `expected` on the fields Shipyard manages. */
  getLive(target: WorkloadTarget, expected: KubernetesObject[]): Promise<Omit<LiveState, 'workspace' | 'currentVersion'> & { drift: DriftReport }>;
  /**
   * What keeps a workspace from taking what a spec renders, asked of the
   * cluster and changing nothing: a missing namespace, a kind Shipyard's
   * credential may not create or patch there, a missing ingress class.
   * Optional: a gateway without it reports nothing.
   */
  checkReadiness?(target: NamespaceTarget, needs: ReadinessNeeds): Promise<ReadinessProblem[]>;
  /** The references whose object or key does not exist in the namespace. Never reads values. */
  findMissingReferences(
    target: Omit<WorkloadTarget, 'name'>,
    references: ObjectKeyReference[],
  ): Promise<Array<ObjectKeyReference & { problem: string }>>;
  /**
   * Every object of `kind` in the namespace that carries Shipyard's
   * managed-by label, whatever service it belongs to. Optional: Shipyard
   * polls per service through a gateway without it.
   */
  listManaged?(target: NamespaceTarget, kind: ManagedKind): Promise<ManagedObjectList>;
  /**
   * The changes to the objects {@link ClusterGateway.listManaged} lists (only
   * the one called `target.name`, when given), from `resourceVersion` on
   * (empty: from the current state, as ADDED events), until the cluster
   * ends the watch or `signal` aborts. Throws {@link WatchExpiredError} when
   * the history is gone.
   */
  watchManaged?(
    target: NamespaceTarget & { name?: string },
    kind: ManagedKind,
    resourceVersion: string,
    signal: AbortSignal,
  ): AsyncIterable<ManagedObjectEvent>;
}
