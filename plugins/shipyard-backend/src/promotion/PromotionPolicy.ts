import { ConflictError, InputError } from '@backstage/errors';
import {
  ActiveFreeze,
  PlanIssue,
  PromotionPath,
  Version,
  VersionRejection,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { activeFreeze } from './freezeWindows';
import { PromotionPolicyStore } from './PromotionPolicyStore';

/** Blocker codes the policy adds to a plan. */
export const POLICY_BLOCKER_CODES = ['source-not-succeeded', 'soak', 'rejected', 'freeze'] as const;

/** `1h 5m`, `3m 20s`, `45s`. */
export function formatSeconds(total: number): string {
  const seconds = Math.max(0, Math.ceil(total));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return s ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
}

/**
 * The step `source -> target` must be a step of the service's promotion
 * path; otherwise an InputError naming the path (or the malformed
 * annotation, which allows no promotion until it is fixed).
 */
export function assertPromotionStep(path: PromotionPath, source: string, target: string): void {
  if (path.steps.some(s => s.from === source && s.to === target)) return;
  const broken = path.errors?.find(e => e.annotation === 'shipyard/promotion');
  if (broken) {
    throw new InputError(
      `target: no promotion is allowed while the shipyard/promotion annotation is malformed ("${broken.text}"): ${broken.message}`,
    );
  }
  const described =
    path.source === 'annotation'
      ? `the promotion path (shipyard/promotion: ${path.chains.map(c => c.join(' -> ')).join('; ')})`
      : `the default promotion path by environment tier (${path.steps.map(s => `${s.from} -> ${s.to}`).join(', ') || 'no steps'})`;
  const next = path.steps.filter(s => s.from === source).map(s => s.to);
  throw new InputError(
    `target: ${source} -> ${target} is not a step of ${described}; ${
      next.length ? `${source} promotes to ${next.join(' or ')}` : `${source} promotes nowhere`
    }`,
  );
}

/**
 * What stops a version from being promoted into `target`: it has not
 * succeeded, it is younger than the target's soak time, or it (or its spec)
 * was rejected. Pure: `now` is the database's clock.
 */
export function sourceBlockers(options: {
  source: Version;
  target: Workspace;
  now: Date;
  rejection?: VersionRejection;
}): PlanIssue[] {
  const { source, target, now, rejection } = options;
  const name = `${source.workspace} v${source.number}`;
  const blockers: PlanIssue[] = [];
  if (rejection) {
    blockers.push({ code: 'rejected', message: rejectionMessage(source, rejection) });
  }
  if (source.status !== 'succeeded') {
    blockers.push({
      code: 'source-not-succeeded',
      message: `${name} is ${source.status}${source.statusMessage ? ` (${source.statusMessage})` : ''}; only a succeeded version is promoted`,
    });
  } else if (target.soakSeconds) {
    const finished = Date.parse(source.finishedAt ?? source.appliedAt ?? source.createdAt);
    const age = (now.getTime() - finished) / 1000;
    if (age < target.soakSeconds) {
      blockers.push({
        code: 'soak',
        message: `${name} succeeded ${formatSeconds(age)} ago; ${target.name} wants versions that have run ${formatSeconds(
          target.soakSeconds,
        )}: ${formatSeconds(target.soakSeconds - age)} left`,
      });
    }
  }
  return blockers;
}

/** The blocker of a freeze window in force in the target. */
export function freezeBlocker(target: Workspace, freeze: ActiveFreeze): PlanIssue {
  return { code: 'freeze', message: freezeMessage(target, freeze) };
}

/** `prod is frozen ('year end') until …`. */
export function freezeMessage(target: Workspace, freeze: ActiveFreeze): string {
  return `${target.name} is frozen ('${freeze.name}') until ${freeze.end}`;
}

/** `dev v3 was rejected by user:default/jane at …: reason` (naming the version it was made on when another). */
export function rejectionMessage(version: Pick<Version, 'workspace' | 'number'>, rejection: VersionRejection): string {
  const elsewhere =
    rejection.workspace !== undefined &&
    (rejection.workspace !== version.workspace || rejection.version !== version.number);
  const on = elsewhere ? ` as ${rejection.workspace} v${rejection.version}` : '';
  return `${version.workspace} v${version.number} was rejected${on} by ${rejection.by} at ${rejection.at}: ${rejection.reason}`;
}

/**
 * The promotion policy with its state: rejections by spec hash, freezes and
 * soak times by the database's clock.
 */
export class PromotionPolicy {
  constructor(private readonly store: PromotionPolicyStore) {}

  /** Blockers for promoting `source` into `target`, freezes included. */
  async blockers(serviceRef: string, source: Version, target: Workspace): Promise<PlanIssue[]> {
    const now = await this.store.now();
    const rejection = (await this.store.rejectionsBySpec(serviceRef, [source.specHash])).get(source.specHash);
    const blockers = sourceBlockers({ source, target, now, rejection });
    const freeze = activeFreeze(target.freezes, now);
    if (freeze) blockers.push(freezeBlocker(target, freeze));
    return blockers;
  }

  /** The freeze window in force in `workspace` now, by the database's clock. */
  async freezeOf(workspace: Workspace): Promise<ActiveFreeze | undefined> {
    if (!workspace.freezes?.length) return undefined;
    return activeFreeze(workspace.freezes, await this.store.now());
  }

  /** ConflictError when `version`'s spec was rejected: it is not rolled back to. */
  async assertNotRejected(serviceRef: string, version: Version, what: string): Promise<void> {
    const rejection = (await this.store.rejectionsBySpec(serviceRef, [version.specHash])).get(version.specHash);
    if (rejection) {
      throw new ConflictError(`${what}: ${rejectionMessage(version, rejection)}; lift the rejection first`);
    }
  }

  /** `versions` with `rejection` set where their spec hash was rejected. */
  async withRejections<T extends Version>(serviceRef: string, versions: T[]): Promise<T[]> {
    if (!versions.length) return versions;
    const rejections = await this.store.rejectionsBySpec(serviceRef, versions.map(v => v.specHash));
    return versions.map(v => {
      const rejection = rejections.get(v.specHash);
      if (!rejection) return v;
      // The version it was made on carries it without naming itself.
      const own = rejection.workspace === v.workspace && rejection.version === v.number;
      return {
        ...v,
        rejection: own ? { by: rejection.by, at: rejection.at, reason: rejection.reason } : rejection,
      };
    });
  }
}
