import {
  DriftReport,
  KubernetesObject,
  LiveState,
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
}

/** A Secret or ConfigMap key that a spec references. @public */
export interface ObjectKeyReference {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  /** The env var that references it. */
  envName: string;
}

/**
 * A refusal or failure of the cluster, carrying the cluster's own message.
 * @public
 */
export class ClusterOperationError extends Error {
  name = 'ClusterOperationError';
  constructor(message: string, readonly reason: 'unreachable' | 'forbidden' | 'invalid' | 'failed') {
    super(message);
  }
}

/**
 * How Shipyard talks to Kubernetes. The production implementation uses the
 * clusters and credentials of the Kubernetes plugin; tests may substitute it.
 * @public
 */
export interface ClusterGateway {
  /**
   * Server-side dry run, then server-side apply of `manifests` under
   * Shipyard's field manager, then pruning of Shipyard-managed objects of
   * this workload that `manifests` no longer contains. Throws
   * {@link ClusterOperationError}.
   */
  apply(target: WorkloadTarget, manifests: KubernetesObject[]): Promise<void>;
  /** The rollout state of the workload's Deployment. */
  getRollout(target: WorkloadTarget): Promise<RolloutObservation>;
  /** The live objects and their drift against `expected` on the fields Shipyard manages. */
  getLive(target: WorkloadTarget, expected: KubernetesObject[]): Promise<Omit<LiveState, 'workspace' | 'currentVersion'> & { drift: DriftReport }>;
  /** The references whose object or key does not exist in the namespace. Never reads values. */
  findMissingReferences(
    target: Omit<WorkloadTarget, 'name'>,
    references: ObjectKeyReference[],
  ): Promise<Array<ObjectKeyReference & { problem: string }>>;
}
