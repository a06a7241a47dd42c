import { ConflictError } from '@backstage/errors';
import { DriftReport, KubernetesObject } from '@shipyard/backstage-plugin-common';
import {
  ApplyOptions,
  ClusterGateway,
  ClusterOperationError,
  ObjectKeyReference,
  RolloutObservation,
  WorkloadTarget,
} from '../cluster/ClusterGateway';

/**
 * A scriptable stand-in for the cluster in router and operation tests. The
 * real gateway is tested against the local control plane.
 */
export class FakeClusterGateway implements ClusterGateway {
  readonly applied: Array<{ target: WorkloadTarget; manifests: KubernetesObject[] }> = [];
  /** The next apply fails with this error. */
  failNextApply?: ClusterOperationError;
  /** Rollout observations handed out in order; the last one repeats. */
  rollouts: RolloutObservation[] = [succeeded()];
  /** Keys that exist, as `Secret/name/key` or `ConfigMap/name/key`. */
  existingKeys = new Set<string>();
  /** Holds every apply until released, to test concurrency. */
  gate?: Promise<void>;
  /**
   * Who owns the live objects of a name, `namespace/name` → entity ref, or
   * `null` for objects Shipyard did not create. Applies record their owner.
   */
  readonly owners = new Map<string, string | null>();

  /** Awaited at the start of every ownership check, to hold an operation before it writes. */
  beforeOwnershipCheck?: () => Promise<void>;

  async assertOwnership(target: WorkloadTarget, options: ApplyOptions) {
    await this.beforeOwnershipCheck?.();
    const key = `${target.namespace}/${target.name}`;
    if (!this.owners.has(key)) return;
    const owner = this.owners.get(key);
    if (owner === null && !options.adopt) {
      throw new ConflictError(`Deployment ${key} exists and was not created by Shipyard`);
    }
    if (owner && owner !== options.entityRef) {
      throw new ConflictError(`Deployment ${key} belongs to ${owner}`);
    }
  }

  async apply(target: WorkloadTarget, manifests: KubernetesObject[], options: ApplyOptions) {
    if (this.gate) await this.gate;
    const key = `${target.namespace}/${target.name}`;
    const owner = this.owners.get(key);
    if (owner === null ? !options.adopt : owner !== undefined && owner !== options.entityRef) {
      throw new ConflictError(`Deployment ${key} is not ${options.entityRef}'s`);
    }
    if (this.failNextApply) {
      const error = this.failNextApply;
      this.failNextApply = undefined;
      throw error;
    }
    this.applied.push({ target, manifests });
    this.owners.set(`${target.namespace}/${target.name}`, options.entityRef);
  }

  /**
   * The next scripted observation; unless it names a version, it reports the
   * one the last apply to this workload carried, as a live Deployment would.
   */
  async getRollout(target: WorkloadTarget): Promise<RolloutObservation> {
    const observation = this.rollouts.length > 1 ? this.rollouts.shift()! : this.rollouts[0];
    const last = [...this.applied].reverse().find(
      a => a.target.namespace === target.namespace && a.target.name === target.name,
    );
    const label = last?.manifests[0]?.metadata.labels?.['shipyard/version'];
    return observation.version === undefined && label ? { ...observation, version: Number(label) } : observation;
  }

  async getLive(_target: WorkloadTarget, expected: KubernetesObject[]) {
    const drift: DriftReport = { checkedAt: new Date().toISOString(), drifted: false, fields: [] };
    return {
      objects: expected.map(o => ({ kind: o.kind, name: o.metadata.name, exists: true, ready: true })),
      drift,
    };
  }

  async findMissingReferences(_target: Omit<WorkloadTarget, 'name'>, refs: ObjectKeyReference[]) {
    return refs
      .filter(r =>
        r.key === undefined
          ? ![...this.existingKeys].some(k => k.startsWith(`${r.kind}/${r.name}/`))
          : !this.existingKeys.has(`${r.kind}/${r.name}/${r.key}`),
      )
      .map(r => ({ ...r, problem: 'does not exist' }));
  }
}

/** A finished, healthy rollout. */
export function succeeded(replicas = 2): RolloutObservation {
  return {
    state: 'succeeded',
    progress: { desiredReplicas: replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas },
    message: 'Deployment has successfully progressed',
  };
}

/** A rollout that hit its progress deadline. */
export function failed(message = 'ReplicaSet "x" has timed out progressing.'): RolloutObservation {
  return {
    state: 'failed',
    progress: { desiredReplicas: 2, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0 },
    message,
  };
}
