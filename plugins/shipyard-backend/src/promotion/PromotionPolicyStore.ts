import {
  AutoPromotionAttempt,
  AutoPromotionHold,
  VersionRejection,
} from '@shipyard/backstage-plugin-common';

/** The key of one automatic promotion: from a source version into a target workspace. @public */
export interface AutoPromotionKey {
  service: string;
  sourceWorkspace: string;
  sourceVersion: number;
  targetWorkspace: string;
}

/** How an automatic promotion attempt ended, or what it is waiting for. @public */
export interface AutoPromotionUpdate {
  result: AutoPromotionAttempt['result'];
  code?: string;
  reason?: string;
  targetVersion?: number;
  outcome?: string;
}

/**
 * Where the promotion policy keeps rejections, holds and automatic
 * promotion attempts. One implementation, {@link DatabasePromotionPolicyStore};
 * its tests run on SQLite and PostgreSQL.
 * @public
 */
export interface PromotionPolicyStore {
  /** The database's clock, so every replica measures soak times and freezes alike. */
  now(): Promise<Date>;

  /** Marks a version rejected; ConflictError when it already is. */
  reject(
    key: { service: string; workspace: string; version: number; specHash: string },
    rejection: { by: string; reason: string },
  ): Promise<VersionRejection>;
  /** Lifts a rejection; the lifted one, or undefined when there was none. */
  unreject(key: { service: string; workspace: string; version: number }): Promise<VersionRejection | undefined>;
  /**
   * Rejections of the service whose spec hash is one of `specHashes`, by
   * spec hash, each naming the version it was made on.
   */
  rejectionsBySpec(service: string, specHashes: string[]): Promise<Map<string, VersionRejection>>;

  placeHold(service: string, workspace: string, hold: Omit<AutoPromotionHold, 'at'>): Promise<AutoPromotionHold>;
  getHolds(service: string): Promise<Map<string, AutoPromotionHold>>;
  /** Lifts the hold; the lifted one, or undefined when there was none. */
  liftHold(service: string, workspace: string): Promise<AutoPromotionHold | undefined>;

  /**
   * Claims an attempt: inserts its row as `running`, takes over a `running`
   * row whose claim expired (its holder died), or one skipped for a soak time
   * or freeze (they pass). False when another holder has it or it ended.
   * `holder` must be unique per attempt.
   */
  claimAutoPromotion(key: AutoPromotionKey, holder: string, ttlMs: number): Promise<boolean>;
  /** Records the result of a claimed attempt. */
  finishAutoPromotion(key: AutoPromotionKey, update: AutoPromotionUpdate): Promise<void>;
  /** Records the rollout outcome of the version an attempt created. */
  setAutoPromotionOutcome(key: AutoPromotionKey, outcome: string): Promise<void>;
  getAutoPromotion(key: AutoPromotionKey): Promise<AutoPromotionAttempt | undefined>;
  /** The last attempt into each target workspace of the service. */
  latestAutoPromotions(service: string): Promise<Map<string, AutoPromotionAttempt>>;
  /** Attempts `running` with an expired claim, skipped for a soak time or freeze, or promoted without a known outcome. */
  listUnfinishedAutoPromotions(): Promise<Array<AutoPromotionKey & { result: string; targetVersion?: number }>>;
  /**
   * Current versions that succeeded within the last `withinMs` (by the
   * database's clock) and have no attempt from them yet: what a backend that
   * stopped between a success and its promotion left.
   */
  listAutoPromotionCandidates(withinMs: number): Promise<Array<{ service: string; workspace: string; number: number }>>;
}

/** The string form of an auto-promotion key, for sets and logs. @public */
export function autoPromotionKeyString(key: AutoPromotionKey): string {
  return `${key.service} ${key.sourceWorkspace}:${key.sourceVersion} -> ${key.targetWorkspace}`;
}
