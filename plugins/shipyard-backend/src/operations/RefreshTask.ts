import { LoggerService } from '@backstage/backend-plugin-api';
import { renderManifests } from '@shipyard/backstage-plugin-common';
import { ClusterGateway } from '../cluster/ClusterGateway';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { VersionStore } from '../database/VersionStore';
import { VersionOperations } from './VersionOperations';

/**
 * Keeps rollout and drift state fresh for every service. It runs from the
 * scheduler, so once across all backend replicas, and finishes what a dead
 * replica left: versions still `applying` or `progressing` whose lease expired.
 */
export class RefreshTask {
  constructor(
    private readonly deps: {
      store: VersionStore;
      gateway: ClusterGateway;
      workspaces: WorkspaceRegistry;
      versions: VersionOperations;
      logger: LoggerService;
      /** The Kubernetes name of a service's objects, from the catalog. */
      resolveName: (entityRef: string) => Promise<string | undefined>;
    },
  ) {}

  async run(): Promise<{ finished: number; drifted: number; checked: number }> {
    const { store, gateway, workspaces, logger } = this.deps;
    const configured = new Map(workspaces.list().map(w => [w.name, w]));
    // One catalog lookup per service per run, however many workspaces it has.
    const names = new Map<string, Promise<string | undefined>>();
    const resolveName = (entityRef: string) => {
      if (!names.has(entityRef)) names.set(entityRef, this.deps.resolveName(entityRef));
      return names.get(entityRef)!;
    };
    let finished = 0;
    let drifted = 0;
    let checked = 0;

    for (const active of await store.listActiveVersions()) {
      const workspace = configured.get(active.workspace);
      if (!workspace?.cluster) continue;
      const state = await store.getWorkspaceState(active.service, active.workspace);
      if (state?.lease) continue;
      if (active.status !== 'progressing') {
        await store.updateVersionStatus(active.service, active.workspace, active.number, {
          status: 'failed',
          statusMessage: 'Interrupted: the backend applying this version stopped before the cluster answered; deploy again',
          finishedAt: new Date(),
        });
        finished++;
        continue;
      }
      const name = await resolveName(active.service);
      if (!name) continue;
      try {
        const rollout = await gateway.getRollout({ cluster: workspace.cluster, namespace: workspace.namespace, name });
        if (rollout.state === 'progressing') continue;
        await store.updateVersionStatus(active.service, active.workspace, active.number, {
          status: rollout.state,
          rollout: rollout.progress,
          statusMessage: rollout.message ?? null,
          finishedAt: new Date(),
        });
        finished++;
        if (rollout.state === 'failed' && workspace.autoRollback) {
          const version = await store.getVersion(active.service, active.workspace, active.number);
          if (version) {
            await this.deps.versions.rollBackAutomatically({ entityRef: active.service, name, workspace }, version);
          }
        }
      } catch (error) {
        logger.warn(`Refreshing ${active.service} v${active.number} in ${active.workspace}: ${error}`);
      }
    }

    for (const deployed of await store.listDeployedWorkspaces()) {
      const workspace = configured.get(deployed.workspace);
      if (!workspace?.cluster) continue;
      const name = await resolveName(deployed.service);
      const current = await store.getVersion(deployed.service, deployed.workspace, deployed.currentNumber);
      if (!name || !current) continue;
      try {
        const expected = renderManifests({
          entityRef: deployed.service,
          name,
          workspace,
          version: current.number,
          spec: current.spec,
        });
        const live = await gateway.getLive({ cluster: workspace.cluster, namespace: workspace.namespace, name }, expected);
        await store.setDrift(deployed.service, deployed.workspace, live.drift);
        checked++;
        if (live.drift.drifted) drifted++;
      } catch (error) {
        logger.warn(`Checking drift of ${deployed.service} in ${deployed.workspace}: ${error}`);
      }
    }
    return { finished, drifted, checked };
  }
}
