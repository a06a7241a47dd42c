import type { PromotableField, PromotionInputs, PromotionExecuteRequest } from '../types';

/**
 * Where a promotion request stands:
 * - `pending`: waiting for approvals;
 * - `approved`: enough approvals; waiting for the requester to execute it
 *   (`shipyard.approval.execute: by-requester`) or being executed;
 * - `executed`: the promotion ran; `outcome.version` is the new version;
 * - `declined`: an approver said no;
 * - `stale`: the plan changed after the request (a new source or target
 *   version), so its approvals no longer apply; open a new request;
 * - `failed`: the promotion was tried and refused or failed; `outcome.reason` says why.
 * @public
 */
export type PromotionRequestStatus = 'pending' | 'approved' | 'executed' | 'declined' | 'stale' | 'failed';

/** Every {@link PromotionRequestStatus}, in lifecycle order. @public */
export const PROMOTION_REQUEST_STATUSES: readonly PromotionRequestStatus[] = [
  'pending',
  'approved',
  'executed',
  'declined',
  'stale',
  'failed',
];

/** One approval: who, when, why, and the plan hash it approved. @public */
export interface PromotionApproval {
  by: string;
  at: string;
  reason?: string;
  planHash: string;
}

/** How a request was closed: declined, found stale, executed or failed; by whom, when, why. @public */
export interface PromotionRequestOutcome {
  /** The user (or `service:…` principal) whose act closed the request. */
  by: string;
  at: string;
  reason?: string;
  /** For `executed`: the version created in the target workspace. */
  version?: number;
}

/**
 * A request to promote into a workspace that needs approvals
 * (`approval: { required: N }`), bound to the plan hash it was made for.
 * Input values are kept on the server; only their names are shown.
 * @public
 */
export interface PromotionRequest {
  id: string;
  /** Entity ref of the service, e.g. `component:default/payments`. */
  service: string;
  source: string;
  target: string;
  /** The source version the plan was made from. */
  sourceVersion: number;
  /** True when the request names its source version; otherwise the source's current version is re-planned. */
  sourceVersionPinned: boolean;
  /** The target's current version when the plan was made; absent for a first promotion. */
  targetVersion?: number;
  planHash: string;
  take?: PromotableField[];
  /** Names of the env inputs the request carries (values are never returned). */
  inputKeys: string[];
  reason?: string;
  /** `auto-promotion` when Shipyard opened the request for an automatic promotion. */
  origin: 'promotion' | 'auto-promotion';
  status: PromotionRequestStatus;
  /** Approvals needed (the target's `approval.required` when the request was made). */
  required: number;
  approvals: PromotionApproval[];
  requestedBy: string;
  requestedAt: string;
  /** When the last needed approval came. */
  approvedAt?: string;
  /** How the request was closed, once it is. */
  outcome?: PromotionRequestOutcome;
  updatedAt: string;
}

/** POST `/services/{ref}/promotions/requests`: the promotion the requester would execute. @public */
export interface PromotionRequestCreate extends PromotionExecuteRequest {
  inputs?: PromotionInputs;
}

/** POST `/promotion-requests/{id}/approve` or `/decline`. @public */
export interface PromotionRequestDecision {
  reason?: string;
}

/** GET `/promotion-requests` and `/services/{ref}/promotions/requests`: newest first. @public */
export interface PromotionRequestList {
  items: PromotionRequest[];
}
