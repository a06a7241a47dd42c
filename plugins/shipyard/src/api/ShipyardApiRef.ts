import { createApiRef } from '@backstage/core-plugin-api';
import type {
  PromotionRequest,
  PromotionRequestCreate,
  PromotionRequestStatus,
  ShipyardApi,
  Version,
} from '@shipyard/backstage-plugin-common';

/**
 * The Shipyard API as the frontend calls it: the shared client's routes plus
 * the promotion policy's (DESIGN §11): rejections, holds and promotion requests.
 * @public
 */
export interface ShipyardFrontendApi extends ShipyardApi {
  /** POST `…/versions/{n}/reject`: marks a version (and its spec) as bad. */
  rejectVersion(
    entityRef: string,
    workspace: string,
    version: number,
    reason: string,
  ): Promise<Version>;
  /** DELETE `…/versions/{n}/reject`: lifts the rejection. */
  unrejectVersion(
    entityRef: string,
    workspace: string,
    version: number,
  ): Promise<Version>;
  /** POST `…/versions/{n}/checklist/{item}`: ticks an item of the version's promotion checklist off, or opens it again. */
  updateChecklistItem(
    entityRef: string,
    workspace: string,
    version: number,
    item: number,
    done: boolean,
  ): Promise<Version>;
  /** DELETE `…/workspaces/{ws}/hold`: lets automatic promotion into the workspace run again. */
  liftHold(entityRef: string, workspace: string): Promise<void>;
  /** POST `/services/{ref}/promotions/requests`: asks for approvals of a promotion. */
  requestPromotion(
    entityRef: string,
    request: PromotionRequestCreate,
  ): Promise<PromotionRequest>;
  /** GET `/promotion-requests` (or a service's `…/promotions/requests`), newest first. */
  listPromotionRequests(options?: {
    entityRef?: string;
    status?: PromotionRequestStatus[];
  }): Promise<PromotionRequest[]>;
  /** POST `/promotion-requests/{id}/approve`. */
  approvePromotionRequest(
    id: string,
    reason?: string,
  ): Promise<PromotionRequest>;
  /** POST `/promotion-requests/{id}/decline`. */
  declinePromotionRequest(
    id: string,
    reason?: string,
  ): Promise<PromotionRequest>;
  /** POST `/promotion-requests/{id}/execute`: runs an approved request. */
  executePromotionRequest(id: string): Promise<PromotionRequest>;
}

/** The Shipyard API as the frontend calls it; provided by `shipyardPlugin` and the `/alpha` plugin. @public */
export const shipyardApiRef = createApiRef<ShipyardFrontendApi>({
  id: 'plugin.shipyard.service',
});
