import {
  PromotableField,
  PromotionApproval,
  PromotionInputs,
  PromotionRequest,
  PromotionRequestOutcome,
  PromotionRequestStatus,
} from '@shipyard/backstage-plugin-common';

/** A request as stored: the API's view plus the inputs, which the API never returns. */
export interface StoredPromotionRequest extends PromotionRequest {
  inputs?: PromotionInputs;
}

/** What a new request stores. */
export interface NewPromotionRequest {
  service: string;
  source: string;
  target: string;
  sourceVersion: number;
  sourceVersionPinned: boolean;
  targetVersion?: number;
  planHash: string;
  take?: PromotableField[];
  inputs?: PromotionInputs;
  reason?: string;
  origin: PromotionRequest['origin'];
  required: number;
  requestedBy: string;
}

/** A status change, applied only when the request is still in one of `from`. */
export interface PromotionRequestTransition {
  from: PromotionRequestStatus[];
  to: PromotionRequestStatus;
  outcome?: PromotionRequestOutcome;
  approvedAt?: string;
}

/** Promotion requests and their approvals; implemented on the Backstage database. */
export interface PromotionRequestStore {
  create(request: NewPromotionRequest): Promise<StoredPromotionRequest>;
  get(id: string): Promise<StoredPromotionRequest | undefined>;
  /** Newest first. */
  /** Newest first; `offset` skips that many of them. */
  list(filter: { service?: string; status?: PromotionRequestStatus[]; limit: number; offset?: number }): Promise<StoredPromotionRequest[]>;
  /** False when this approver already approved the request. */
  addApproval(id: string, approval: PromotionApproval): Promise<boolean>;
  /** True when the request was in one of `transition.from` and now has `transition.to`. */
  transition(id: string, transition: PromotionRequestTransition): Promise<boolean>;
  /**
   * Claims the execution of an approved request: true for exactly one
   * caller, unless the claim is older than `expiredAfterMs` (its holder died).
   */
  claimExecution(id: string, expiredAfterMs: number): Promise<boolean>;
  /** Drops the claim after a failed attempt that left the request approved. */
  releaseExecution(id: string): Promise<void>;
}
