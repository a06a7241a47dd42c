import {
  DriftReport,
  Lease,
  RolloutProgress,
  ServiceSpec,
  Version,
  VersionOrigin,
  VersionPage,
  VersionStatus,
} from '@shipyard/backstage-plugin-common';

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
}

/** A status transition of a stored version. @public */
export interface VersionStatusUpdate {
  status: VersionStatus;
  statusMessage?: string | null;
  rollout?: RolloutProgress | null;
  appliedAt?: Date;
  finishedAt?: Date;
  /** Move the workspace's current version to this one (its objects are now applied). */
  makeCurrent?: boolean;
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
  | { acquired: false; lease: Lease };

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
  getWorkspaceStates(service: string): Promise<WorkspaceStateRow[]>;
  getWorkspaceState(service: string, workspace: string): Promise<WorkspaceStateRow | undefined>;
  setDrift(service: string, workspace: string, drift: DriftReport | undefined): Promise<void>;
  /** Versions in `pending`, `applying` or `progressing`, for the rollout follower. */
  listActiveVersions(): Promise<ActiveVersionRef[]>;
  /** Every (service, workspace) with a current version, for the drift check. */
  listDeployedWorkspaces(): Promise<Array<{ service: string; workspace: string; currentNumber: number }>>;

  /** Takes the lease when it is free or expired; otherwise reports the holder. */
  acquireLease(
    service: string,
    workspace: string,
    request: { holder: string; operation: string; ttlMs: number },
  ): Promise<LeaseResult>;
  /** Extends a lease still held by `holder`; false when it was lost. */
  renewLease(service: string, workspace: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease; without `holder`, whoever holds it (force-release). Returns the released lease. */
  releaseLease(service: string, workspace: string, holder?: string): Promise<Lease | undefined>;
}
