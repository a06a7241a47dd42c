import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { ShipyardService } from '../service/ShipyardService';
import { createDeployAction } from './createDeployAction';
import { createDiffVersionsAction } from './createDiffVersionsAction';
import { createListVersionsAction } from './createListVersionsAction';
import { createPlanPromotionAction } from './createPlanPromotionAction';
import { createPromoteAction } from './createPromoteAction';
import { createRollbackAction } from './createRollbackAction';

/**
 * Registers Shipyard's actions with the actions registry, as
 * `shipyard:<name>`: read-only `list-versions`, `diff-versions` and
 * `plan-promotion`, destructive `deploy`, `rollback` and `promote`. Each is a
 * call to the {@link ShipyardService} with the caller's credentials, so the
 * same permissions, protected workspaces and audit apply as over HTTP.
 */
export function createShipyardActions(options: { actionsRegistry: ActionsRegistryService; service: ShipyardService }) {
  createListVersionsAction(options);
  createDiffVersionsAction(options);
  createPlanPromotionAction(options);
  createDeployAction(options);
  createRollbackAction(options);
  createPromoteAction(options);
}
