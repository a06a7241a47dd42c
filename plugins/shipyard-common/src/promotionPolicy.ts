/*
 * The promotion policy's shapes (DESIGN §11): promotion paths, rejections,
 * holds, freeze windows and auto-promotion attempts, as the backend stores
 * and serves them and the frontend shows them.
 */
import type { VersionAddress } from './types';

/**
 * A freeze window at fixed times: deploys and promotions into the workspace
 * are refused from `start` until `end` (ISO 8601 date-times with an offset).
 * @public
 */
export interface FixedFreezeWindow {
  name: string;
  start: string;
  end: string;
}

/**
 * A recurring freeze window: it begins at every time the five-field `cron`
 * expression names in `timeZone` (an IANA zone, UTC when absent) and lasts
 * `duration` (ISO 8601, e.g. `PT12H`, `P2D`).
 * @public
 */
export interface RecurringFreezeWindow {
  name: string;
  cron: string;
  duration: string;
  timeZone?: string;
}

/** A configured freeze window of a workspace. @public */
export type FreezeWindow = FixedFreezeWindow | RecurringFreezeWindow;

/** The freeze window in force in a workspace: its name and when it began and ends. @public */
export interface ActiveFreeze {
  name: string;
  start: string;
  end: string;
}

/** Approvals a promotion into a workspace needs from users other than its requester. @public */
export interface WorkspaceApproval {
  required: number;
}

/**
 * Why a version is marked bad, and by whom. `workspace` and `version` name
 * the version the rejection was made on when it is another one with the
 * same spec (a rejection follows the spec hash).
 * @public
 */
export interface VersionRejection {
  by: string;
  at: string;
  reason: string;
  workspace?: string;
  version?: number;
}

/** The body of POST `…/versions/{n}/reject`. @public */
export interface RejectVersionRequest {
  reason: string;
}

/**
 * A hold on automatic promotion into a workspace, placed by a rollback
 * there (`version` is the rollback's version) and lifted by a manual
 * deploy or promotion or DELETE `…/hold`.
 * @public
 */
export interface AutoPromotionHold {
  by: string;
  at: string;
  reason: string;
  version?: number;
}

/**
 * What became of an automatic promotion: `promoted` (a version was created
 * in the target; its rollout outcome is `outcome` once known), `skipped`
 * (a hold, freeze, rejection, blocker or approval stood in the way; see
 * `reason`) or `failed` (the promotion itself failed).
 * @public
 */
export type AutoPromotionResult = 'running' | 'promoted' | 'skipped' | 'failed';

/** The last automatic promotion attempt into a workspace. @public */
export interface AutoPromotionAttempt {
  source: VersionAddress;
  target: string;
  at: string;
  result: AutoPromotionResult;
  /** Why it did not run, or why it failed. */
  reason?: string;
  /** Why, in a word: hold, freeze, soak, rejected, source-not-succeeded, blocked, approval-required, approved (promoted through an approved request), superseded, rollback, not-configured, error. */
  code?: string;
  /** The version created in the target. */
  version?: number;
  /** The status of the created version's rollout once it finished. */
  outcome?: string;
}

/** One allowed step of a promotion path. @public */
export interface PromotionStep {
  from: string;
  to: string;
  /** The step is promoted automatically (`shipyard/auto-promote`). */
  auto?: boolean;
}

/**
 * The promotion path of a service: the steps a promotion may take, from the
 * `shipyard/promotion` annotation, or by default from the environments'
 * tiers. A malformed annotation is reported in `errors` with its `text`; a
 * malformed `shipyard/promotion` leaves the service without promotions
 * until it is fixed, a malformed `shipyard/auto-promote` without automatic ones.
 * @public
 */
export interface PromotionPath {
  source: 'annotation' | 'environments';
  /** The chains of workspaces, e.g. `[['dev','staging','prod'],['hotfix','prod']]`. */
  chains: string[][];
  steps: PromotionStep[];
  /** Malformed `shipyard/promotion` or `shipyard/auto-promote` annotations. */
  errors?: Array<{ annotation: string; text: string; message: string }>;
}
