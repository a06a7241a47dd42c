/**
 * Shipyard's shared logic: spec schema, diff, promotion planner, manifest
 * rendering, API types, permissions and the typed client.
 *
 * @packageDocumentation
 */

export * from './types';
export * from './approvals/promotionRequests';
export * from './promotionPolicy';
export {
  serviceSpecSchema,
  parseSpec,
  validateSpec,
  checkSpecForWorkspace,
  envValueErrors,
  formatSpecErrors,
  RESERVED_LABEL_KEYS,
  RESERVED_ANNOTATION_KEYS,
  type ParseSpecResult,
  type ParseSpecOptions,
} from './spec/schema';
export {
  SPEC_FIELDS,
  SPEC_FIELD_NAMES,
  objectsView,
  specReferences,
  type SpecReference,
  type SpecField,
  type SpecFieldName,
  type SpecFieldRegistry,
  type FieldPromotion,
  type MapPromotion,
  type OwnedPart,
  type RenderContext,
  type ObjectsView,
} from './spec/fields';
export { SPEC_LIMITS, INT32_MAX, unstorableTextError } from './spec/limits';
export {
  DEFAULT_LABEL_POLICY,
  reservedKeyError,
  labelPolicyConfigErrors,
} from './spec/labelPolicy';
export { specWarnings, looksLikeSecretName } from './spec/specWarnings';
export {
  parseSpecYaml,
  parseSpecYamlWithLines,
  stringifySpec,
  type SpecYamlError,
  type ParseSpecYamlResult,
} from './spec/yaml';
export { canonicalJson, sha256Hex, hashSpec } from './spec/canonical';
export { envReference, type EnvObjectReference } from './spec/envReference';
export {
  parseQuantity,
  compareQuantities,
  type Quantity,
} from './spec/quantity';
export { diffSpecs } from './diff/diffSpecs';
export {
  defaultPromotionRules,
  resolvePromotionRules,
  validatePromotionRulesOverride,
  PROMOTABLE_FIELDS,
} from './planner/rules';
export {
  planPromotion,
  classifyPromotion,
  promotionIssues,
  promotionDecisionHash,
  completePromotionPlan,
  applyPromotionInputs,
  validatePromotionInputs,
  type PlanPromotionInput,
  type PromotionDecisionInput,
  type PromotionDraft,
  type PromotionFindings,
} from './planner/planPromotion';
export {
  renderManifests,
  MANAGED_KINDS,
  SHIPYARD_MANAGED_BY,
  ENTITY_REF_HASH_LABEL,
  entityRefLabelValue,
  type ManagedKind,
  type RenderManifestsInput,
} from './render/renderManifests';
export {
  DEFAULT_POD_SECURITY_CONTEXT,
  DEFAULT_CONTAINER_SECURITY_CONTEXT,
  POD_SECURITY_CONTEXT_FIELDS,
  CONTAINER_SECURITY_CONTEXT_FIELDS,
} from './render/securityContext';
export {
  SHIPYARD_WORKSPACES_ANNOTATION,
  SHIPYARD_PROMOTION_ANNOTATION,
  SHIPYARD_AUTO_PROMOTE_ANNOTATION,
  SHIPYARD_SERVICE_NAME_ANNOTATION,
  SHIPYARD_PROMOTION_RULES_ANNOTATION,
  readShipyardAnnotations,
  type ShipyardAnnotations,
} from './catalog/annotations';
export {
  parsePromotionChains,
  readPromotionPath,
} from './catalog/promotionPath';
export { entityRefToPath, entityRefFromPath } from './catalog/entityRefPath';
export {
  shipyardVersionReadPermission,
  shipyardVersionDeployPermission,
  shipyardVersionRollbackPermission,
  shipyardPromotionExecutePermission,
  shipyardLeaseReleasePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionRejectPermission,
  shipyardPromotionApprovePermission,
  shipyardFreezeOverridePermission,
  shipyardPermissions,
} from './permissions';
export type { ShipyardApi } from './client/ShipyardApi';
export { ShipyardClient } from './client/ShipyardClient';
export {
  waitForVersion,
  isFinalStatus,
  VersionWaitTimeoutError,
  type WaitForVersionOptions,
} from './client/waitForVersion';
export { findPreviousVersion } from './client/findPreviousVersion';
export { unresolvedPromotionBlockers } from './client/unresolvedPromotionBlockers';
