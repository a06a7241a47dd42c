import { usePermission } from '@backstage/plugin-permission-react';
import {
  shipyardFreezeOverridePermission,
  shipyardPromotionApprovePermission,
  shipyardPromotionExecutePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionRejectPermission,
} from '@shipyard/backstage-plugin-common';

/** What the signed-in user may do to a service's promotions, as the permission policy decides it. */
export interface ShipyardPermissions {
  /** Promote (and request promotions); a protected target also needs `protectedWorkspace`. */
  promote: boolean;
  protectedWorkspace: boolean;
  reject: boolean;
  approve: boolean;
  freezeOverride: boolean;
  loading: boolean;
}

/**
 * The Shipyard permissions of the signed-in user on one service, so buttons
 * are shown disabled with the reason rather than refused after a click.
 */
export function useShipyardPermissions(entityRef: string): ShipyardPermissions {
  // Resource permissions on the catalog entity, as the backend checks them.
  const promote = usePermission({
    permission: shipyardPromotionExecutePermission,
    resourceRef: entityRef,
  });
  const protectedWorkspace = usePermission({
    permission: shipyardProtectedWorkspacePermission,
    resourceRef: entityRef,
  });
  const reject = usePermission({
    permission: shipyardVersionRejectPermission,
    resourceRef: entityRef,
  });
  const approve = usePermission({
    permission: shipyardPromotionApprovePermission,
    resourceRef: entityRef,
  });
  const freezeOverride = usePermission({
    permission: shipyardFreezeOverridePermission,
    resourceRef: entityRef,
  });
  return {
    promote: promote.allowed,
    protectedWorkspace: protectedWorkspace.allowed,
    reject: reject.allowed,
    approve: approve.allowed,
    freezeOverride: freezeOverride.allowed,
    loading:
      promote.loading ||
      protectedWorkspace.loading ||
      reject.loading ||
      approve.loading ||
      freezeOverride.loading,
  };
}
