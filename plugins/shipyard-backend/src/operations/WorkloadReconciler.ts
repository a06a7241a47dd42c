import { LoggerService } from '@backstage/backend-plugin-api';
import { KubernetesObject, renderManifests } from '@shipyard/backstage-plugin-common';
import { detectDrift } from '../cluster/detectDrift';
import { observeRollout } from '../cluster/rolloutStatus';
import { VersionStore } from '../database/VersionStore';
import { OperationTarget, VersionOperations } from './VersionOperations';

/** What {@link WorkloadReconciler.reconcile} did. */
export interface ReconcileResult {
  /** A version's rollout was recorded as ended. */
  finished: boolean;
  /** The drift recorded, when it was checked. */
  drifted?: boolean;
  /** An operation holds the workspace's lease: look again once it is done. */
  busy: boolean;
}

const ACTIVE = new Set(['pending', 'applying', 'progressing']);
/** Operations on one workspace run one at a time, so more active versions than this never pile up. */
const MAX_ACTIVE = 10;

/**
 * Records what the live objects of one service in one workspace say, from
 * objects a watch or a labelled list of the namespace already brought (no
 * call to the cluster here): a rollout that ended without a follower, a
 * version a dead replica left `applying`, and the drift of the current
 * version. Both the watchers and the periodic refresh go through here.
 */
export class WorkloadReconciler {
  constructor(
    private readonly deps: {
      store: VersionStore;
      versions: VersionOperations;
      logger: LoggerService;
    },
  ) {}

  async reconcile(
    target: OperationTarget,
    live: Map<string, KubernetesObject | undefined>,
    what: { rollout: boolean; drift: boolean },
  ): Promise<ReconcileResult> {
    const { store, versions } = this.deps;
    const ws = target.workspace.name;
    const result: ReconcileResult = { finished: false, busy: false };
    const state = await store.getWorkspaceState(target.entityRef, ws);
    if (!state) return result;
    // A lease a dead replica left behind expires by itself; only a live one means an operation is at work.
    const leased = Boolean(state.lease && Date.parse(state.lease.expiresAt) > Date.now());
    if (what.rollout) {
      const rollout = observeRollout(live.get('Deployment') as any, {
        namespace: target.workspace.namespace,
        name: target.name,
      });
      // Only the current version and newer ones can still be active: making
      // a version current supersedes the active ones before it. Oldest
      // first, so an interrupted version is recorded before a newer one
      // that reached the cluster supersedes it.
      const from = Math.max(state.currentNumber ?? 1, state.latestNumber - MAX_ACTIVE + 1, 1);
      const numbers = Array.from({ length: Math.max(0, state.latestNumber - from + 1) }, (_, i) => from + i);
      for (const number of numbers) {
        const version = await store.getVersion(target.entityRef, ws, number);
        if (!version || !ACTIVE.has(version.status)) continue;
        const outcome =
          version.status === 'progressing'
            ? await versions.finishUnfollowedRollout(target, number, rollout)
            : await versions.reconcileInterrupted(target, number, rollout);
        if (outcome === 'finished') result.finished = true;
        else if (outcome === 'busy' || leased) result.busy = true;
      }
    }
    if (what.drift) {
      // An operation in progress changes the objects on purpose and records
      // the drift itself when its rollout ends.
      const current = leased ? undefined : await store.getCurrentVersion(target.entityRef, ws);
      if (leased) result.busy = true;
      if (current) {
        const expected = renderManifests({
          entityRef: target.entityRef,
          name: target.name,
          workspace: target.workspace,
          version: current.number,
          spec: current.spec,
        });
        const drift = detectDrift(expected, live);
        await store.setDrift(target.entityRef, ws, current.number, drift);
        result.drifted = drift.drifted;
      }
    }
    return result;
  }
}
