import { RolloutObservation } from './ClusterGateway';

/** The parts of an apps/v1 Deployment that say how its rollout is going. */
export interface DeploymentStatusView {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/**
 * The rollout state of a Deployment, decided as `kubectl rollout status`
 * decides it, keeping the cluster's own condition message.
 */
export function rolloutStatus(deployment: DeploymentStatusView): RolloutObservation {
  const generation = deployment.metadata?.generation;
  const status = deployment.status ?? {};
  const desired = deployment.spec?.replicas ?? 1;
  const progress = {
    desiredReplicas: desired,
    updatedReplicas: status.updatedReplicas ?? 0,
    readyReplicas: status.readyReplicas ?? 0,
    availableReplicas: status.availableReplicas ?? 0,
    observedGeneration: status.observedGeneration,
    generation,
  };
  const progressing = status.conditions?.find(c => c.type === 'Progressing');

  if (generation !== undefined && (status.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', progress, message: 'Waiting for the deployment spec update to be observed' };
  }
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', progress, message: progressing.message ?? 'Progress deadline exceeded' };
  }
  if (progress.updatedReplicas < desired) {
    return {
      state: 'progressing',
      progress,
      message: `${progress.updatedReplicas} of ${desired} updated replicas`,
    };
  }
  if ((status.replicas ?? 0) > progress.updatedReplicas) {
    return {
      state: 'progressing',
      progress,
      message: `${(status.replicas ?? 0) - progress.updatedReplicas} old replicas are pending termination`,
    };
  }
  if (progress.availableReplicas < progress.updatedReplicas) {
    return {
      state: 'progressing',
      progress,
      message: `${progress.availableReplicas} of ${progress.updatedReplicas} updated replicas are available`,
    };
  }
  return {
    state: 'succeeded',
    progress,
    message: progressing?.message ?? `${desired} of ${desired} replicas available`,
  };
}

/**
 * The rollout of a workload's Deployment as Shipyard records it: its state,
 * and the version the cluster runs (its `shipyard/version` label); an absent
 * Deployment is a failed rollout.
 */
export function observeRollout(
  deployment: (DeploymentStatusView & { metadata?: { labels?: Record<string, string> } }) | undefined,
  where: { namespace: string; name: string },
): RolloutObservation {
  if (!deployment) {
    return {
      state: 'failed',
      progress: { desiredReplicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 },
      message: `Deployment ${where.namespace}/${where.name} does not exist`,
    };
  }
  const observation = rolloutStatus(deployment);
  const version = Number(deployment.metadata?.labels?.['shipyard/version']);
  return Number.isInteger(version) && version > 0 ? { ...observation, version } : observation;
}
