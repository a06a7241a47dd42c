import { DriftReport, KubernetesObject } from '@shipyard/backstage-plugin-common';
import {
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

  async apply(target: WorkloadTarget, manifests: KubernetesObject[]) {
    if (this.gate) await this.gate;
    if (this.failNextApply) {
      const error = this.failNextApply;
      this.failNextApply = undefined;
      throw error;
    }
    this.applied.push({ target, manifests });
  }

  async getRollout(): Promise<RolloutObservation> {
    return this.rollouts.length > 1 ? this.rollouts.shift()! : this.rollouts[0];
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
      .filter(r => !this.existingKeys.has(`${r.kind}/${r.name}/${r.key}`))
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
