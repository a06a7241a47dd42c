import { ConflictError } from '@backstage/errors';
import {
  DriftReport,
  Lease,
  RolloutProgress,
  ServiceSpec,
  Version,
  VersionChecklistItem,
  VersionOrigin,
  VersionPage,
  VersionStatus,
} from '@shipyard/backstage-plugin-common';

/**
 * A write under a lease that is no longer held: it expired, was
 * force-released or was preempted. Nothing was written. Answered as a 409.
 * @public
 */
export class LeaseLostError extends ConflictError {
  // Keeps the name Backstage's error handler turns into a 409.
  name = 'ConflictError' as const;
}

/** A version to be stored; the store allocates its number. @public */
export interface NewVersion {
  service: string;
  workspace: string;
  spec: ServiceSpec;
  origin: VersionOrigin;
  status: VersionStatus;
  statusMessage?: string;
  createdBy: string;
  message?: string;
  /** The checklist of the promotion that creates the version, stored in the same transaction. */
  checklist?: string[];
}

/**
 * A lease as its holder knows it: the holder id and the generation
 * (fencing token) it acquired. Writes made under a fence succeed only while
 * the database still says this holder, this generation and not expired.
 * @public
 */
export interface LeaseFence {
  holder: string;
  generation: number;
}

/** The Kubernetes objects of a version, claimed for its entity. @public */
export interface ObjectClaim {
  cluster: string;
  namespace: string;
  /** The objects' `metadata.name`. */
  name: string;
}

/** Options of {@link VersionStore.createVersion}. @public */
export interface CreateVersionOptions {
  /**
   * The current version the caller based its change on; `0` means "no
   * version yet". A mismatch is a ConflictError and nothing is stored.
   */
  expectedCurrentVersion?: number;
  /** Make the new version current in the same transaction (record-only workspaces). */
  makeCurrent?: boolean;
  /** Keep at most this many versions of the (service, workspace). */
  retention?: number;
  /**
   * Claim these objects for the service in the same transaction; a
   * ConflictError naming the owner when another entity claimed them first.
   */
  claim?: ObjectClaim;
  /** Store only while this lease is held. */
  fence?: LeaseFence;
}

/** A status transition of a stored version. @public */
export interface VersionStatusUpdate {
  status: VersionStatus;
  statusMessage?: string | null;
  rollout?: RolloutProgress | null;
  appliedAt?: Date;
  finishedAt?: Date;
  /**
   * Move the workspace's current version to this one (its objects are now
   * applied). Versions before it that were still active are superseded.
   */
  makeCurrent?: boolean;
  /** Write only while this lease is held; {@link LeaseLostError} otherwise. */
  fence?: LeaseFence;
}

/** The stored state of a service in one workspace. @public */
export interface WorkspaceStateRow {
  workspace: string;
  latestNumber: number;
  /** Versions stored now (fewer than latestNumber once retention pruned some). */
  versionCount: number;
  currentNumber?: number;
  drift?: DriftReport;
  lease?: Lease;
}

/** The outcome of a lease acquisition. @public */
export type LeaseResult =
  | { acquired: true; lease: Lease }
  /** `lease` is absent when it was freed between the attempt and the read: try again. */
  | { acquired: false; lease?: Lease };

/** A version whose rollout is still being followed. @public */
export interface ActiveVersionRef {
  service: string;
  workspace: string;
  number: number;
  status: VersionStatus;
}

/**
 * Where Shipyard keeps every version of every service. One implementation
 * in production, {@link DatabaseVersionStore}; its tests run on SQLite and
 * PostgreSQL.
 * @public
 */
export interface VersionStore {
  /**
   * Allocates the next number of the (service, workspace) and stores the
   * version in one transaction.
   */
  createVersion(version: NewVersion, options?: CreateVersionOptions): Promise<Version>;
  getVersion(service: string, workspace: string, number: number): Promise<Version | undefined>;
  /** Several versions of one service, across its workspaces, in one round trip; those that do not exist are left out. */
  getVersions(service: string, keys: Array<{ workspace: string; number: number }>): Promise<Version[]>;
  getCurrentVersion(service: string, workspace: string): Promise<Version | undefined>;
  /** Newest first; `cursor` is opaque and comes from the previous page. */
  listVersions(
    service: string,
    workspace: string,
    options: { limit: number; cursor?: string },
  ): Promise<VersionPage>;
  /** The last `succeeded` version older than `before`, the target of an automatic rollback. */
  getLastSucceededVersion(
    service: string,
    workspace: string,
    before: number,
  ): Promise<Version | undefined>;
  updateVersionStatus(
    service: string,
    workspace: string,
    number: number,
    update: VersionStatusUpdate,
  ): Promise<void>;
  /**
   * Ticks an item of a version's checklist off (`done`) or opens it again
   * (undefined); undefined when the version has no such item.
   */
  setChecklistItemDone(
    service: string,
    workspace: string,
    number: number,
    itemId: number,
    done: { by: string; at: Date } | undefined,
  ): Promise<VersionChecklistItem | undefined>;
  getWorkspaceStates(service: string): Promise<WorkspaceStateRow[]>;
  getWorkspaceState(service: string, workspace: string): Promise<WorkspaceStateRow | undefined>;
  /**
   * Stores a drift report computed against `currentNumber`; ignored when the
   * current version moved on meanwhile, so an old report never lands on a new version.
   */
  setDrift(service: string, workspace: string, currentNumber: number, drift: DriftReport | undefined): Promise<void>;
  /** Versions in `pending`, `applying` or `progressing`, for the rollout follower. */
  listActiveVersions(): Promise<ActiveVersionRef[]>;
  /** Every (service, workspace) with a current version, for the drift check. */
  listDeployedWorkspaces(): Promise<Array<{ service: string; workspace: string; currentNumber: number }>>;

  /** The entity that owns the objects of `claim`, if any entity claimed them. */
  getClaimOwner(claim: ObjectClaim): Promise<string | undefined>;

  /**
   * Takes the lease when it is free or expired (by the database's clock),
   * or, with `preemptFollowing`, when its holder only follows a rollout;
   * otherwise reports the holder. Every acquisition bumps the generation.
   */
  acquireLease(
    service: string,
    workspace: string,
    request: { holder: string; operation: string; ttlMs: number; preemptFollowing?: boolean },
  ): Promise<LeaseResult>;
  /** Extends a lease still held under `fence`; false when it was lost. */
  renewLease(service: string, workspace: string, fence: LeaseFence, ttlMs: number): Promise<boolean>;
  /** Records that the holder stopped writing and only follows the rollout; false when the lease was lost. */
  markLeaseFollowing(service: string, workspace: string, fence: LeaseFence): Promise<boolean>;
  /** True while `fence` is the unexpired lease, by the database's clock. */
  isLeaseHeld(service: string, workspace: string, fence: LeaseFence): Promise<boolean>;
  /** Releases the lease; without `fence`, whoever holds it (force-release). Returns the released lease. */
  releaseLease(service: string, workspace: string, fence?: LeaseFence): Promise<Lease | undefined>;
}
