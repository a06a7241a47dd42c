import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import {
  canonicalJson,
  DriftReport,
  hashSpec,
  Lease,
  ServiceSpec,
  Version,
  VersionChecklistItem,
  VersionPage,
  VersionStatus,
} from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import {
  ActiveVersionRef,
  CreateVersionOptions,
  LeaseFence,
  LeaseLostError,
  LeaseResult,
  NewVersion,
  ObjectClaim,
  VersionStatusUpdate,
  VersionStore,
  WorkspaceStateRow,
} from './VersionStore';

const migrationsDir = resolvePackagePath(
  '@shipyard/backstage-plugin-backend',
  'migrations',
);

const ACTIVE_STATUSES: VersionStatus[] = ['pending', 'applying', 'progressing'];

type VersionRow = {
  service_ref: string;
  workspace: string;
  number: number;
  spec_hash: string;
  spec: string;
  origin_type: Version['origin']['type'];
  origin_version: number | null;
  origin_workspace: string | null;
  origin_automatic: string | null;
  status: VersionStatus;
  status_message: string | null;
  rollout: string | null;
  created_by: string;
  created_at: Date | string | number;
  message: string | null;
  applied_at: Date | string | number | null;
  finished_at: Date | string | number | null;
};

type ChecklistRow = {
  number: number;
  item_id: number;
  text: string;
  done_by: string | null;
  done_at: Date | string | number | null;
};

function rowToChecklistItem(row: ChecklistRow): VersionChecklistItem {
  const item: VersionChecklistItem = { id: Number(row.item_id), text: row.text };
  if (row.done_by !== null) item.done = { by: row.done_by, at: toIso(row.done_at)! };
  return item;
}

type StateRow = {
  service_ref: string;
  workspace: string;
  latest_number: number;
  version_count: number;
  current_number: number | null;
  drift: string | null;
  lease_holder: string | null;
  lease_operation: string | null;
  lease_acquired_at: Date | string | number | null;
  lease_expires_at: Date | string | number | null;
  lease_generation: number | string;
  lease_phase: string | null;
  /** Computed by the database: the lease is unexpired by its clock. */
  lease_live?: boolean | number | null;
};

/**
 * Timestamps come back as Date from PostgreSQL and as epoch milliseconds
 * (what knex binds a Date to) or SQL text from SQLite.
 */
export function toIso(value: Date | string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  if (/^\d+$/.test(value)) return new Date(Number(value)).toISOString();
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`).toISOString();
}

function encodeCursor(number: number): string {
  return Buffer.from(JSON.stringify({ before: number }), 'utf8').toString('base64url');
}

/** Returns the version number the page starts below, or undefined for a malformed cursor. */
function decodeCursor(cursor: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const before = parsed?.before;
    // Version numbers are int32; PostgreSQL refuses to compare with a larger one.
    return Number.isInteger(before) && before > 0 && before <= 2147483647 ? before : undefined;
  } catch {
    return undefined;
  }
}

function rowToVersion(row: VersionRow): Version {
  const version: Version = {
    service: row.service_ref,
    workspace: row.workspace,
    number: Number(row.number),
    spec: JSON.parse(row.spec) as ServiceSpec,
    specHash: row.spec_hash,
    origin: { type: row.origin_type },
    status: row.status,
    createdBy: row.created_by,
    createdAt: toIso(row.created_at)!,
  };
  if (row.origin_version !== null) version.origin.version = Number(row.origin_version);
  if (row.origin_workspace !== null) version.origin.workspace = row.origin_workspace;
  if (row.origin_automatic !== null) version.origin.automatic = row.origin_automatic;
  if (row.status_message !== null) version.statusMessage = row.status_message;
  if (row.rollout !== null) version.rollout = JSON.parse(row.rollout);
  if (row.message !== null) version.message = row.message;
  const appliedAt = toIso(row.applied_at);
  if (appliedAt) version.appliedAt = appliedAt;
  const finishedAt = toIso(row.finished_at);
  if (finishedAt) version.finishedAt = finishedAt;
  return version;
}

function rowToLease(row: StateRow): Lease | undefined {
  if (!row.lease_holder) return undefined;
  const lease: Lease = {
    holder: row.lease_holder,
    operation: row.lease_operation ?? 'unknown',
    acquiredAt: toIso(row.lease_acquired_at)!,
    expiresAt: toIso(row.lease_expires_at)!,
    generation: Number(row.lease_generation),
  };
  if (row.lease_phase === 'following') lease.phase = 'following';
  return lease;
}

function rowToState(row: StateRow): WorkspaceStateRow {
  const state: WorkspaceStateRow = {
    workspace: row.workspace,
    latestNumber: Number(row.latest_number),
    versionCount: Number(row.version_count),
  };
  if (row.current_number !== null) state.currentNumber = Number(row.current_number);
  if (row.drift) state.drift = JSON.parse(row.drift);
  const lease = rowToLease(row);
  if (lease && Boolean(row.lease_live)) state.lease = lease;
  return state;
}

const NOT_HELD = 'no longer holds the lease (it expired, was force-released or was taken by a rollback)';

/**
 * SQLite only: the write-ahead log with `synchronous = NORMAL`. In SQLite's
 * default rollback journal every commit waits for several fsyncs, and
 * better-sqlite3 waits on the event loop, so under a wave of deploys every
 * request and every watch event queued behind them (the scale benchmark's
 * profile: a second of commits in a wave of 30). With the log, a commit is a
 * write to it, and is durable across a crash of the process; a crash of the
 * whole machine may lose the last commits (not corrupt the file), the same
 * trade-off Rails makes for its SQLite default. PostgreSQL is the database
 * for production (README, "Configuration").
 */
async function useWriteAheadLog(client: Knex) {
  if (!String(client.client.config.client).includes('sqlite')) return;
  await client.raw('PRAGMA journal_mode = WAL');
  await client.raw('PRAGMA synchronous = NORMAL');
}

/**
 * The knex implementation of {@link VersionStore}, on SQLite and PostgreSQL.
 * @public
 */
export class DatabaseVersionStore implements VersionStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseVersionStore> {
    const { database } = options;
    const client = await database.getClient();
    if (!database.migrations?.skip && !options.skipMigrations) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    await useWriteAheadLog(client);
    return new DatabaseVersionStore(client);
  }

  private readonly isPostgres: boolean;

  private constructor(private readonly db: Knex) {
    this.isPostgres = String(db.client.config.client).startsWith('p');
  }

  /**
   * The database's clock, so every replica agrees when a lease expires.
   * PostgreSQL compares timestamps; SQLite stores what knex binds for a
   * Date, epoch milliseconds, so its clock is read in the same unit.
   */
  private now(offsetMs = 0): Knex.Raw {
    if (this.isPostgres) {
      return this.db.raw(`clock_timestamp() + (? * interval '1 millisecond')`, [offsetMs]);
    }
    return this.db.raw(`(CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) + ?)`, [offsetMs]);
  }

  /** State rows with `lease_live` computed by the database's clock. */
  private statesQuery(db: Knex | Knex.Transaction = this.db) {
    return db<StateRow>('shipyard_workspace_state').select(
      '*',
      db.raw(`(lease_expires_at > ${this.isPostgres ? 'clock_timestamp()' : `CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`}) as lease_live`),
    );
  }

  /** Rows of the lease `fence` as long as it is held, by the database's clock. */
  private heldLease(db: Knex | Knex.Transaction, service: string, workspace: string, fence: LeaseFence) {
    return db('shipyard_workspace_state')
      .where({
        service_ref: service,
        workspace,
        lease_holder: fence.holder,
        lease_generation: fence.generation,
      })
      .andWhere('lease_expires_at', '>', this.now());
  }

  private async assertHeld(tx: Knex.Transaction, service: string, workspace: string, fence: LeaseFence) {
    // Re-stamping the expiry takes the row lock (PostgreSQL), so a
    // contender cannot take the lease between this check and the commit.
    const held = await this.heldLease(tx, service, workspace, fence).update({
      lease_holder: fence.holder,
    });
    if (held !== 1) {
      throw new LeaseLostError(`${service} in ${workspace}: this operation ${NOT_HELD}; nothing was written`);
    }
  }

  private versionsQuery(db: Knex | Knex.Transaction = this.db) {
    return db<VersionRow>('shipyard_versions as v')
      .join('shipyard_specs as s', 's.hash', 'v.spec_hash')
      .select(
        'v.service_ref',
        'v.workspace',
        'v.number',
        'v.spec_hash',
        's.spec',
        'v.origin_type',
        'v.origin_version',
        'v.origin_workspace',
        'v.origin_automatic',
        'v.status',
        'v.status_message',
        'v.rollout',
        'v.created_by',
        'v.created_at',
        'v.message',
        'v.applied_at',
        'v.finished_at',
      );
  }

  private async ensureState(db: Knex | Knex.Transaction, service: string, workspace: string) {
    await db('shipyard_workspace_state')
      .insert({ service_ref: service, workspace, latest_number: 0 })
      .onConflict(['service_ref', 'workspace'])
      .ignore();
  }

  async createVersion(input: NewVersion, options: CreateVersionOptions = {}): Promise<Version> {
    const specJson = canonicalJson(input.spec);
    const specHash = hashSpec(input.spec);
    const createdAt = new Date();

    const number = await this.db.transaction(async tx => {
      await tx('shipyard_specs')
        .insert({ hash: specHash, spec: specJson })
        .onConflict('hash')
        .ignore();
      await this.ensureState(tx, input.service, input.workspace);
      if (options.fence) {
        await this.assertHeld(tx, input.service, input.workspace, options.fence);
      }
      if (options.claim) {
        await this.claimObjects(tx, input.service, input.workspace, options.claim);
      }
      // The increment takes PostgreSQL's row lock on the state row, so
      // concurrent transactions, in this process or another replica, queue
      // here and each reads the counter after the previous one committed.
      // SQLite serialises whole write transactions, which gives the same.
      await tx('shipyard_workspace_state')
        .where({ service_ref: input.service, workspace: input.workspace })
        .increment({ latest_number: 1, version_count: 1 });
      const state = await tx<StateRow>('shipyard_workspace_state')
        .where({ service_ref: input.service, workspace: input.workspace })
        .first();
      const allocated = Number(state!.latest_number);
      const current = state!.current_number === null ? 0 : Number(state!.current_number);
      if (
        options.expectedCurrentVersion !== undefined &&
        options.expectedCurrentVersion !== current
      ) {
        throw new ConflictError(
          `expectedCurrentVersion is ${options.expectedCurrentVersion}, but the current version of ${input.service} in ${input.workspace} is ${current === 0 ? 'none' : `v${current}`}; reload and try again`,
        );
      }
      await tx('shipyard_versions').insert({
        service_ref: input.service,
        workspace: input.workspace,
        number: allocated,
        spec_hash: specHash,
        origin_type: input.origin.type,
        origin_version: input.origin.version ?? null,
        origin_workspace: input.origin.workspace ?? null,
        origin_automatic: input.origin.automatic ?? null,
        status: input.status,
        status_message: input.statusMessage ?? null,
        created_by: input.createdBy,
        created_at: createdAt,
        message: input.message ?? null,
        applied_at: options.makeCurrent ? createdAt : null,
        finished_at: options.makeCurrent ? createdAt : null,
      });
      if (input.checklist?.length) {
        await tx('shipyard_version_checklist_items').insert(
          input.checklist.map((text, i) => ({
            service_ref: input.service,
            workspace: input.workspace,
            number: allocated,
            item_id: i + 1,
            text,
          })),
        );
      }
      if (options.makeCurrent) {
        await tx('shipyard_workspace_state')
          .where({ service_ref: input.service, workspace: input.workspace })
          .update({ current_number: allocated });
      }
      if (options.retention !== undefined && allocated > options.retention) {
        const prunable = (table: string) =>
          tx(table)
            .where({ service_ref: input.service, workspace: input.workspace })
            .andWhere('number', '<=', allocated - options.retention!)
            .andWhere(q => q.whereNot('number', options.makeCurrent ? allocated : current));
        await prunable('shipyard_version_checklist_items').delete();
        const pruned = await prunable('shipyard_versions').delete();
        if (pruned > 0) {
          await tx('shipyard_workspace_state')
            .where({ service_ref: input.service, workspace: input.workspace })
            .decrement('version_count', pruned);
        }
      }
      return allocated;
    });

    return (await this.getVersion(input.service, input.workspace, number))!;
  }

  private async claimObjects(tx: Knex.Transaction, service: string, workspace: string, claim: ObjectClaim) {
    const key = { cluster: claim.cluster, namespace: claim.namespace, object_name: claim.name };
    await tx('shipyard_object_claims')
      .insert({ ...key, entity_ref: service, workspace, claimed_at: new Date() })
      .onConflict(['cluster', 'namespace', 'object_name'])
      .ignore();
    const row = await tx('shipyard_object_claims').where(key).first('entity_ref');
    if (row && row.entity_ref !== service) {
      throw new ConflictError(
        `The Kubernetes objects named '${claim.name}' in namespace ${claim.namespace} on cluster ${claim.cluster} belong to ${row.entity_ref}; ${service} cannot deploy over them (set shipyard/service-name to another name)`,
      );
    }
  }

  async getClaimOwner(claim: ObjectClaim) {
    const row = await this.db('shipyard_object_claims')
      .where({ cluster: claim.cluster, namespace: claim.namespace, object_name: claim.name })
      .first('entity_ref');
    return row?.entity_ref as string | undefined;
  }

  async getVersion(service: string, workspace: string, number: number) {
    const row = await this.versionsQuery()
      .where({ 'v.service_ref': service, 'v.workspace': workspace, 'v.number': number })
      .first();
    if (!row) return undefined;
    const [version] = await this.withChecklists(service, [rowToVersion(row as VersionRow)]);
    return version;
  }

  async getVersions(service: string, keys: Array<{ workspace: string; number: number }>) {
    if (!keys.length) return [];
    const rows = await this.versionsQuery()
      .where({ 'v.service_ref': service })
      .where(q => {
        for (const key of keys) q.orWhere({ 'v.workspace': key.workspace, 'v.number': key.number });
      });
    return this.withChecklists(service, (rows as VersionRow[]).map(rowToVersion));
  }

  /** Adds each version's checklist, when it has one, with one query (versions of any workspaces of `service`). */
  private async withChecklists(service: string, versions: Version[]): Promise<Version[]> {
    if (!versions.length) return versions;
    const key = (workspace: string, number: number) => `${workspace}\u0000${number}`;
    const rows: Array<ChecklistRow & { workspace: string }> = await this.db('shipyard_version_checklist_items')
      .where({ service_ref: service })
      .whereIn('workspace', [...new Set(versions.map(v => v.workspace))])
      .whereIn('number', [...new Set(versions.map(v => v.number))])
      .orderBy(['workspace', 'number', 'item_id'])
      .select('workspace', 'number', 'item_id', 'text', 'done_by', 'done_at');
    const byVersion = new Map<string, VersionChecklistItem[]>();
    for (const row of rows) {
      const items = byVersion.get(key(row.workspace, Number(row.number))) ?? [];
      items.push(rowToChecklistItem(row));
      byVersion.set(key(row.workspace, Number(row.number)), items);
    }
    return versions.map(v => {
      const checklist = byVersion.get(key(v.workspace, v.number));
      return checklist ? { ...v, checklist } : v;
    });
  }

  async setChecklistItemDone(
    service: string,
    workspace: string,
    number: number,
    itemId: number,
    done: { by: string; at: Date } | undefined,
  ): Promise<VersionChecklistItem | undefined> {
    const key = { service_ref: service, workspace, number, item_id: itemId };
    const updated = await this.db('shipyard_version_checklist_items')
      .where(key)
      .update({ done_by: done?.by ?? null, done_at: done?.at ?? null });
    if (!updated) return undefined;
    const row: ChecklistRow | undefined = await this.db('shipyard_version_checklist_items').where(key).first();
    return row ? rowToChecklistItem(row) : undefined;
  }

  async getCurrentVersion(service: string, workspace: string) {
    const state = await this.db<StateRow>('shipyard_workspace_state')
      .where({ service_ref: service, workspace })
      .first();
    if (!state || state.current_number === null) return undefined;
    return this.getVersion(service, workspace, Number(state.current_number));
  }

  async listVersions(
    service: string,
    workspace: string,
    options: { limit: number; cursor?: string },
  ): Promise<VersionPage> {
    let query = this.versionsQuery()
      .where({ 'v.service_ref': service, 'v.workspace': workspace })
      .orderBy('v.number', 'desc')
      .limit(options.limit + 1);
    if (options.cursor !== undefined) {
      const before = decodeCursor(options.cursor);
      if (before === undefined) {
        throw new InputError('cursor: malformed paging cursor');
      }
      query = query.andWhere('v.number', '<', before);
    }
    const [rows, state] = await Promise.all([
      query,
      this.db<StateRow>('shipyard_workspace_state')
        .where({ service_ref: service, workspace })
        .first('version_count'),
    ]);
    const items = await this.withChecklists(
      service,
      (rows as VersionRow[]).slice(0, options.limit).map(rowToVersion),
    );
    const page: VersionPage = { items, totalCount: Number(state?.version_count ?? 0) };
    if (rows.length > options.limit) {
      page.nextCursor = encodeCursor(items[items.length - 1].number);
    }
    return page;
  }

  async getLastSucceededVersion(service: string, workspace: string, before: number) {
    const row = await this.versionsQuery()
      .where({ 'v.service_ref': service, 'v.workspace': workspace, 'v.status': 'succeeded' })
      .andWhere('v.number', '<', before)
      .orderBy('v.number', 'desc')
      .first();
    return row ? rowToVersion(row as VersionRow) : undefined;
  }

  async updateVersionStatus(
    service: string,
    workspace: string,
    number: number,
    update: VersionStatusUpdate,
  ) {
    await this.db.transaction(async tx => {
      if (update.fence) {
        await this.assertHeld(tx, service, workspace, update.fence);
      }
      const patch: Record<string, unknown> = { status: update.status };
      if (update.statusMessage !== undefined) patch.status_message = update.statusMessage;
      if (update.rollout !== undefined) {
        patch.rollout = update.rollout === null ? null : JSON.stringify(update.rollout);
      }
      if (update.appliedAt) patch.applied_at = update.appliedAt;
      if (update.finishedAt) patch.finished_at = update.finishedAt;
      await tx('shipyard_versions')
        .where({ service_ref: service, workspace, number })
        .update(patch);
      if (update.makeCurrent) {
        // A version applied later is never displaced by an older one whose
        // apply finished late.
        const moved = await tx('shipyard_workspace_state')
          .where({ service_ref: service, workspace })
          .andWhere(q => q.whereNull('current_number').orWhere('current_number', '<', number))
          .update({ current_number: number, drift: null });
        if (moved === 1) {
          // An older version still rolling out never finishes now: the
          // cluster runs this one, so its rollout cannot be followed any more.
          await tx('shipyard_versions')
            .where({ service_ref: service, workspace })
            .andWhere('number', '<', number)
            .whereIn('status', ACTIVE_STATUSES)
            .update({
              status: 'failed',
              status_message: `Superseded by v${number} before its rollout finished`,
              finished_at: new Date(),
            });
        }
      }
    });
  }

  async getWorkspaceStates(service: string) {
    const rows = await this.statesQuery().where({ service_ref: service }).orderBy('workspace');
    return (rows as StateRow[]).map(row => rowToState(row));
  }

  async getWorkspaceState(service: string, workspace: string) {
    const row = await this.statesQuery().where({ service_ref: service, workspace }).first();
    return row ? rowToState(row as StateRow) : undefined;
  }

  async setDrift(service: string, workspace: string, currentNumber: number, drift: DriftReport | undefined) {
    await this.db('shipyard_workspace_state')
      .where({ service_ref: service, workspace, current_number: currentNumber })
      .update({ drift: drift ? JSON.stringify(drift) : null });
  }

  async listActiveVersions(): Promise<ActiveVersionRef[]> {
    const rows = await this.db('shipyard_versions')
      .whereIn('status', ACTIVE_STATUSES)
      .select('service_ref', 'workspace', 'number', 'status')
      .orderBy(['service_ref', 'workspace', 'number']);
    return rows.map(r => ({
      service: r.service_ref,
      workspace: r.workspace,
      number: Number(r.number),
      status: r.status,
    }));
  }

  async listDeployedWorkspaces() {
    const rows = await this.db<StateRow>('shipyard_workspace_state')
      .whereNotNull('current_number')
      .select('service_ref', 'workspace', 'current_number');
    return rows.map(r => ({
      service: r.service_ref,
      workspace: r.workspace,
      currentNumber: Number(r.current_number),
    }));
  }

  async acquireLease(
    service: string,
    workspace: string,
    request: { holder: string; operation: string; ttlMs: number; preemptFollowing?: boolean },
  ): Promise<LeaseResult> {
    await this.ensureState(this.db, service, workspace);
    // One conditional UPDATE, so two contenders can never both win; the
    // generation it bumps fences off whoever held the lease before.
    const updated = await this.db('shipyard_workspace_state')
      .where({ service_ref: service, workspace })
      .andWhere(q => {
        q.whereNull('lease_holder').orWhere('lease_expires_at', '<=', this.now());
        if (request.preemptFollowing) q.orWhere('lease_phase', 'following');
      })
      .update({
        lease_holder: request.holder,
        lease_operation: request.operation.slice(0, 255),
        lease_acquired_at: this.now(),
        lease_expires_at: this.now(request.ttlMs),
        lease_generation: this.db.raw('lease_generation + 1'),
        lease_phase: 'writing',
      });
    const row = (await this.statesQuery().where({ service_ref: service, workspace }).first()) as StateRow;
    const lease = rowToLease(row);
    if (updated === 1 && lease?.holder === request.holder) return { acquired: true, lease };
    return { acquired: false, lease };
  }

  async renewLease(service: string, workspace: string, fence: LeaseFence, ttlMs: number) {
    const updated = await this.heldLease(this.db, service, workspace, fence).update({
      lease_expires_at: this.now(ttlMs),
    });
    return updated === 1;
  }

  async markLeaseFollowing(service: string, workspace: string, fence: LeaseFence) {
    const updated = await this.heldLease(this.db, service, workspace, fence).update({
      lease_phase: 'following',
    });
    return updated === 1;
  }

  async isLeaseHeld(service: string, workspace: string, fence: LeaseFence) {
    const row = await this.heldLease(this.db, service, workspace, fence).first('lease_holder');
    return Boolean(row);
  }

  async releaseLease(service: string, workspace: string, fence?: LeaseFence) {
    return this.db.transaction(async tx => {
      const where: Record<string, string | number> = { service_ref: service, workspace };
      if (fence) {
        where.lease_holder = fence.holder;
        where.lease_generation = fence.generation;
      }
      const row = await tx<StateRow>('shipyard_workspace_state').where(where).first();
      if (!row?.lease_holder) return undefined;
      await tx('shipyard_workspace_state').where(where).update({
        lease_holder: null,
        lease_operation: null,
        lease_acquired_at: null,
        lease_expires_at: null,
        lease_phase: null,
      });
      return rowToLease(row);
    });
  }
}
