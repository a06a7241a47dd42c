import type {
  ActiveFreeze,
  PromotionPath,
  PromotionRequest,
  PromotionStep,
  ServiceWorkspaceState,
  VersionRejection,
} from '@shipyard/backstage-plugin-common';
import type { ShipyardPermissions } from '../../hooks/useShipyardPermissions';
import { authorName } from '../shared/authorName';
import { freezeText } from '../shared/freezeText';
import { statusLabel } from '../shared/VersionStatus';

/** What a step of the promotion path allows now, for the signed-in user. */
export interface StepState extends PromotionStep {
  /** Why the step cannot be promoted now, in words; absent when it can. */
  blocked?: string;
  /** The target's freeze window, when the user may go ahead with a reason. */
  overridableFreeze?: ActiveFreeze;
  /** Approvals a promotion into the target needs; it becomes a request. */
  approvals?: number;
}

/** `Rejected by ana: broke checkout` (naming where, when it was made on another version with the same spec). */
export function rejectionText(rejection: VersionRejection): string {
  const elsewhere = rejection.workspace
    ? ` as ${rejection.workspace} v${rejection.version}`
    : '';
  return `Rejected${elsewhere} by ${authorName(rejection.by)}: ${
    rejection.reason
  }`;
}

/**
 * Whether `step` can be promoted now and, if not, why: the source has no
 * good current version (none, not succeeded, rejected), the user lacks the
 * permission, or the target is frozen. A target that needs approvals is no
 * reason: the promotion becomes a request.
 */
export function stepState(
  step: PromotionStep,
  states: ServiceWorkspaceState[],
  may: ShipyardPermissions,
): StepState {
  const source = states.find(s => s.workspace.name === step.from);
  const target = states.find(s => s.workspace.name === step.to);
  const approvals = target?.workspace.approval?.required || undefined;
  const result: StepState = { ...step, ...(approvals ? { approvals } : {}) };
  const current = source?.currentVersion;
  if (!source || !target) {
    return {
      ...result,
      blocked: `${
        !source ? step.from : step.to
      } is not a workspace of this service`,
    };
  }
  if (!current) {
    return { ...result, blocked: `${step.from} has no version to promote` };
  }
  const name = `${step.from} v${current.number}`;
  if (current.rejection) {
    return {
      ...result,
      blocked: `${name} is rejected: ${rejectionText(current.rejection)}`,
    };
  }
  if (current.status !== 'succeeded') {
    return {
      ...result,
      blocked: `${name} is ${statusLabel(
        current.status,
      ).toLowerCase()}; only a succeeded version is promoted`,
    };
  }
  if (!may.loading && !may.promote) {
    return { ...result, blocked: 'You may not promote this service' };
  }
  if (!may.loading && target.workspace.protected && !may.protectedWorkspace) {
    return {
      ...result,
      blocked: `${step.to} is protected: you may not promote into it`,
    };
  }
  if (target.freeze) {
    return may.freezeOverride
      ? { ...result, overridableFreeze: target.freeze }
      : {
          ...result,
          blocked: `${freezeText(step.to, target.freeze)}`,
        };
  }
  return result;
}

/** The steps of the path in the order of its chains, each once. */
export function orderedSteps(path: PromotionPath): PromotionStep[] {
  const steps: PromotionStep[] = [];
  for (const chain of path.chains) {
    for (let i = 0; i + 1 < chain.length; i++) {
      const step = path.steps.find(
        s => s.from === chain[i] && s.to === chain[i + 1],
      );
      if (step && !steps.includes(step)) {
        steps.push(step);
      }
    }
  }
  return steps;
}

/** The pending requests of a step, newest first. */
export function pendingInto(
  requests: PromotionRequest[],
  target: string,
): PromotionRequest[] {
  return requests.filter(r => r.target === target && r.status === 'pending');
}
