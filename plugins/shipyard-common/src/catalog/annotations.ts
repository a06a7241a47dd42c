import { InputError } from '@backstage/errors';
import { validatePromotionRulesOverride } from '../planner/rules';
import { parsePromotionChains } from './promotionPath';
import { invalidAnnotation as invalid, workspaceList } from './workspaceList';
import { dns1123LabelError } from '../spec/kubernetesNames';
import type { PromotionRulesOverride } from '../types';

/** The workspaces a service deploys to, e.g. `dev, staging, prod`. @public */
export const SHIPYARD_WORKSPACES_ANNOTATION = 'shipyard/workspaces';
/** The promotion path of a service, e.g. `dev -> staging -> prod`. @public */
export const SHIPYARD_PROMOTION_ANNOTATION = 'shipyard/promotion';
/** A step promoted automatically when the source's rollout succeeds, e.g. `dev -> staging`. @public */
export const SHIPYARD_AUTO_PROMOTE_ANNOTATION = 'shipyard/auto-promote';
/** The Kubernetes name of the service's objects; the entity name when absent. @public */
export const SHIPYARD_SERVICE_NAME_ANNOTATION = 'shipyard/service-name';
/** Per-service promotion rules as JSON, a {@link PromotionRulesOverride}. @public */
export const SHIPYARD_PROMOTION_RULES_ANNOTATION = 'shipyard/promotion-rules';

/** Shipyard's settings for one service, read from its catalog entity. @public */
export interface ShipyardAnnotations {
  serviceName: string;
  workspaces?: string[];
  /** The first chain of `shipyard/promotion`, e.g. `dev -> staging -> prod`. */
  promotionPath?: string[];
  /** Every chain of `shipyard/promotion`, e.g. `dev -> staging -> prod; hotfix -> prod`. */
  promotionChains?: string[][];
  autoPromote?: { from: string; to: string };
  rules?: PromotionRulesOverride;
}

/** Reads and checks the `shipyard/*` annotations of an entity, throwing an InputError that names the bad annotation. @public */
export function readShipyardAnnotations(entity: {
  metadata: { name: string; annotations?: Record<string, string> };
}): ShipyardAnnotations {
  const annotations = entity.metadata.annotations ?? {};
  const read = (key: string) => {
    const value = annotations[key];
    return value === undefined || value.trim() === '' ? undefined : value;
  };

  const explicitName = read(SHIPYARD_SERVICE_NAME_ANNOTATION);
  const serviceName = explicitName?.trim() ?? entity.metadata.name;
  const nameError = dns1123LabelError(serviceName);
  if (nameError) {
    throw explicitName !== undefined
      ? invalid(
          SHIPYARD_SERVICE_NAME_ANNOTATION,
          `"${serviceName}" ${nameError}`,
        )
      : new InputError(
          `Entity name "${serviceName}" is not a valid Kubernetes name (${nameError}); set the ${SHIPYARD_SERVICE_NAME_ANNOTATION} annotation`,
        );
  }

  const result: ShipyardAnnotations = { serviceName };
  const workspacesText = read(SHIPYARD_WORKSPACES_ANNOTATION);
  if (workspacesText !== undefined) {
    result.workspaces = workspaceList(
      SHIPYARD_WORKSPACES_ANNOTATION,
      workspacesText,
    );
  }
  const promotionText = read(SHIPYARD_PROMOTION_ANNOTATION);
  if (promotionText !== undefined) {
    const chains = parsePromotionChains(promotionText);
    requireKnown(
      SHIPYARD_PROMOTION_ANNOTATION,
      chains.flat(),
      result.workspaces,
    );
    result.promotionPath = chains[0];
    result.promotionChains = chains;
  }
  const autoPromoteText = read(SHIPYARD_AUTO_PROMOTE_ANNOTATION);
  if (autoPromoteText !== undefined) {
    const step = workspaceList(
      SHIPYARD_AUTO_PROMOTE_ANNOTATION,
      autoPromoteText,
    );
    if (step.length !== 2) {
      throw invalid(
        SHIPYARD_AUTO_PROMOTE_ANNOTATION,
        'must name exactly two workspaces, e.g. dev -> staging',
      );
    }
    requireKnown(SHIPYARD_AUTO_PROMOTE_ANNOTATION, step, result.workspaces);
    const [from, to] = step;
    const chains = result.promotionChains;
    if (
      chains &&
      !chains.some(
        chain => chain.includes(from) && chain[chain.indexOf(from) + 1] === to,
      )
    ) {
      throw invalid(
        SHIPYARD_AUTO_PROMOTE_ANNOTATION,
        `${from} -> ${to} is not a step of ${SHIPYARD_PROMOTION_ANNOTATION} (${promotionText})`,
      );
    }
    result.autoPromote = { from, to };
  }
  const rulesText = read(SHIPYARD_PROMOTION_RULES_ANNOTATION);
  if (rulesText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rulesText);
    } catch (error) {
      throw invalid(
        SHIPYARD_PROMOTION_RULES_ANNOTATION,
        `must be JSON: ${error.message}`,
      );
    }
    try {
      result.rules = validatePromotionRulesOverride(parsed);
    } catch (error) {
      throw invalid(SHIPYARD_PROMOTION_RULES_ANNOTATION, error.message);
    }
  }
  return result;
}

function requireKnown(
  annotation: string,
  names: string[],
  workspaces?: string[],
) {
  const unknown = workspaces
    ? names.filter(name => !workspaces.includes(name))
    : [];
  if (unknown.length) {
    throw invalid(
      annotation,
      `names ${unknown.join(
        ', ',
      )}, not in ${SHIPYARD_WORKSPACES_ANNOTATION} (${workspaces!.join(', ')})`,
    );
  }
}
