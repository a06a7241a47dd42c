import {
  ClusterGateway,
  ObjectKeyReference,
  RolloutObservation,
  WorkloadTarget,
} from '@shipyard/backstage-plugin-backend';
import { DriftReport, KubernetesObject } from '@shipyard/backstage-plugin-common';

/**
 * A cluster that applies instantly and finishes every rollout at once, for
 * the concurrency benchmarks: the lease, apply, status and rollout-follow
 * paths all run, without the cluster's own time (measured in the deploy
 * benchmark against the real one).
 */
export class InstantClusterGateway implements ClusterGateway {
  applies = 0;

  /** Nothing lives on this cluster but what Shipyard applied, so everything is the entity's own. */
  async assertOwnership() {}

  async apply(_target: WorkloadTarget, _manifests: KubernetesObject[]) {
    this.applies++;
  }

  async getRollout(): Promise<RolloutObservation> {
    return {
      state: 'succeeded',
      progress: { desiredReplicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      message: 'Deployment has successfully progressed',
    };
  }

  async getLive(_target: WorkloadTarget, expected: KubernetesObject[]) {
    const drift: DriftReport = { checkedAt: new Date().toISOString(), drifted: false, fields: [] };
    return {
      objects: expected.map(o => ({ kind: o.kind, name: o.metadata.name, exists: true, ready: true })),
      drift,
    };
  }

  async findMissingReferences(_target: Omit<WorkloadTarget, 'name'>, _references: ObjectKeyReference[]) {
    return [];
  }
}
