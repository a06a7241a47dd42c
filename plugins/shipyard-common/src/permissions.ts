import { createPermission } from '@backstage/plugin-permission-common';

const RESOURCE_TYPE = 'catalog-entity';

/** Read a service's versions, diffs, plans and live state. @public */
export const shipyardVersionReadPermission = createPermission({
  name: 'shipyard.version.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE,
});

/** Deploy a new version of a service (deploy, edit, scaffolder). @public */
export const shipyardVersionDeployPermission = createPermission({
  name: 'shipyard.version.deploy',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/** Roll a service back to an earlier version. @public */
export const shipyardVersionRollbackPermission = createPermission({
  name: 'shipyard.version.rollback',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/** Promote a service into another workspace. @public */
export const shipyardPromotionExecutePermission = createPermission({
  name: 'shipyard.promotion.execute',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/** Release another holder's operation lease on a service's workspace. @public */
export const shipyardLeaseReleasePermission = createPermission({
  name: 'shipyard.lease.release',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/**
 * Change a service in a `protected` workspace (deploy, rollback, promote
 * into it), checked in addition to the operation's own permission, so a
 * policy can keep protected workspaces to release managers.
 * @public
 */
export const shipyardProtectedWorkspacePermission = createPermission({
  name: 'shipyard.workspace.protected.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/**
 * Mark a version as bad (reject) or lift that mark, so neither it nor its
 * spec can be promoted or rolled back to.
 * @public
 */
export const shipyardVersionRejectPermission = createPermission({
  name: 'shipyard.version.reject',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/** Approve or decline another user's promotion request. @public */
export const shipyardPromotionApprovePermission = createPermission({
  name: 'shipyard.promotion.approve',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/**
 * Deploy or promote into a workspace during one of its freeze windows,
 * with a reason that is audited.
 * @public
 */
export const shipyardFreezeOverridePermission = createPermission({
  name: 'shipyard.freeze.override',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE,
});

/** Every Shipyard permission, for the permission integration. @public */
export const shipyardPermissions = [
  shipyardVersionReadPermission,
  shipyardVersionDeployPermission,
  shipyardVersionRollbackPermission,
  shipyardPromotionExecutePermission,
  shipyardLeaseReleasePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionRejectPermission,
  shipyardPromotionApprovePermission,
  shipyardFreezeOverridePermission,
];
