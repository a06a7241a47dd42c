import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  shipyardLeaseReleasePermission,
  shipyardPermissions,
  shipyardPromotionExecutePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionDeployPermission,
  shipyardVersionReadPermission,
  shipyardVersionRollbackPermission,
  shipyardVersionRejectPermission,
  shipyardPromotionApprovePermission,
  shipyardFreezeOverridePermission,
} from './permissions';

describe('shipyard permissions', () => {
  it('are resource permissions on catalog entities with dotted names', () => {
    expect(
      shipyardPermissions.map(p => [
        p.name,
        p.attributes.action,
        p.type,
        isResourcePermission(p, 'catalog-entity'),
      ]),
    ).toEqual([
      ['shipyard.version.read', 'read', 'resource', true],
      ['shipyard.version.deploy', 'update', 'resource', true],
      ['shipyard.version.rollback', 'update', 'resource', true],
      ['shipyard.promotion.execute', 'update', 'resource', true],
      ['shipyard.lease.release', 'update', 'resource', true],
      ['shipyard.workspace.protected.update', 'update', 'resource', true],
      ['shipyard.version.reject', 'update', 'resource', true],
      ['shipyard.promotion.approve', 'update', 'resource', true],
      ['shipyard.freeze.override', 'update', 'resource', true],
    ]);
  });

  it('lists every permission once', () => {
    expect(shipyardPermissions).toEqual([
      shipyardVersionReadPermission,
      shipyardVersionDeployPermission,
      shipyardVersionRollbackPermission,
      shipyardPromotionExecutePermission,
      shipyardLeaseReleasePermission,
      shipyardProtectedWorkspacePermission,
      shipyardVersionRejectPermission,
      shipyardPromotionApprovePermission,
      shipyardFreezeOverridePermission,
    ]);
  });
});
