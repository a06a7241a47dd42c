import { ConflictError } from '@backstage/errors';
import {
  AutoPromotionAttempt,
  AutoPromotionHold,
  VersionRejection,
} from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import { toIso } from '../database/DatabaseVersionStore';
import {
  AutoPromotionKey,
  AutoPromotionUpdate,
  PromotionPolicyStore,
} from './PromotionPolicyStore';

type RejectionRow = {
  service_ref: string;
  workspace: string;
  version_number: number;
  spec_hash: string;
  rejected_by: string;
  rejected_at: Date | string | number;
  reason: string;
};

type AttemptRow = {
  service_ref: string;
  source_workspace: string;
  source_version: number;
  target_workspace: string;
  result: AutoPromotionAttempt['result'];
  code: string | null;
  reason: string | null;
  target_version: number | null;
  outcome: string | null;
  updated_at: Date | string | number;
};

/** Skips that pass with time: the scan tries them again. */
const WAITING_CODES = ['soak', 'freeze'];

const keyWhere = (key: AutoPromotionKey) => ({
  service_ref: key.service,
  source_workspace: key.sourceWorkspace,
  source_version: key.sourceVersion,
  target_workspace: key.targetWorkspace,
});

function toAttempt(row: AttemptRow): AutoPromotionAttempt {
  const attempt: AutoPromotionAttempt = {
    source: { workspace: row.source_workspace, version: Number(row.source_version) },
    target: row.target_workspace,
    at: toIso(row.updated_at)!,
    result: row.result,
  };
  if (row.code) attempt.code = row.code;
  if (row.reason) attempt.reason = row.reason;
  if (row.target_version !== null) attempt.version = Number(row.target_version);
  if (row.outcome) attempt.outcome = row.outcome;
  return attempt;
}

/**
 * The knex implementation of {@link PromotionPolicyStore}, on the tables of
 * the `20261202000000_promotion_policy` migration (run with the others by
 * {@link DatabaseVersionStore.create}).
 * @public
 */
export class DatabasePromotionPolicyStore implements PromotionPolicyStore {
  private readonly isPostgres: boolean;

  constructor(private readonly db: Knex) {
    this.isPostgres = String(db.client.config.client).startsWith('p');
  }

  /** The database's clock as an SQL expression, in the unit each engine stores timestamps in. */
  private clock(offsetMs = 0): Knex.Raw {
    if (this.isPostgres) {
      return this.db.raw(`clock_timestamp() + (? * interval '1 millisecond')`, [offsetMs]);
    }
    return this.db.raw(`(CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) + ?)`, [offsetMs]);
  }

  async now(): Promise<Date> {
    const rows = await this.db.select(this.db.raw(`${this.clock().toQuery()} as now`));
    const value = rows[0].now;
    return new Date(value instanceof Date ? value.getTime() : Number(value));
  }

  async reject(
    key: { service: string; workspace: string; version: number; specHash: string },
    rejection: { by: string; reason: string },
  ): Promise<VersionRejection> {
    const at = await this.now();
    try {
      await this.db<RejectionRow>('shipyard_rejections').insert({
        service_ref: key.service,
        workspace: key.workspace,
        version_number: key.version,
        spec_hash: key.specHash,
        rejected_by: rejection.by,
        rejected_at: at,
        reason: rejection.reason,
      });
    } catch (error) {
      const existing = await this.db<RejectionRow>('shipyard_rejections')
        .where({ service_ref: key.service, workspace: key.workspace, version_number: key.version })
        .first();
      if (existing) {
        throw new ConflictError(
          `version: ${key.workspace} v${key.version} was already rejected by ${existing.rejected_by} at ${toIso(existing.rejected_at)}: ${existing.reason}`,
        );
      }
      throw error;
    }
    return { by: rejection.by, at: at.toISOString(), reason: rejection.reason };
  }

  async unreject(key: { service: string; workspace: string; version: number }) {
    return this.db.transaction(async tx => {
      const where = { service_ref: key.service, workspace: key.workspace, version_number: key.version };
      const row = await tx<RejectionRow>('shipyard_rejections').where(where).first();
      if (!row) return undefined;
      await tx('shipyard_rejections').where(where).delete();
      return { by: row.rejected_by, at: toIso(row.rejected_at)!, reason: row.reason };
    });
  }

  async rejectionsBySpec(service: string, specHashes: string[]) {
    const result = new Map<string, VersionRejection>();
    const hashes = [...new Set(specHashes)];
    if (!hashes.length) return result;
    const rows = await this.db<RejectionRow>('shipyard_rejections')
      .where({ service_ref: service })
      .whereIn('spec_hash', hashes)
      .orderBy('rejected_at', 'asc');
    for (const row of rows) {
      if (result.has(row.spec_hash)) continue;
      result.set(row.spec_hash, {
        by: row.rejected_by,
        at: toIso(row.rejected_at)!,
        reason: row.reason,
        workspace: row.workspace,
        version: Number(row.version_number),
      });
    }
    return result;
  }

  async placeHold(service: string, workspace: string, hold: Omit<AutoPromotionHold, 'at'>) {
    const at = await this.now();
    const row = {
      service_ref: service,
      workspace,
      held_by: hold.by,
      held_at: at,
      reason: hold.reason,
      version_number: hold.version ?? null,
    };
    // The latest rollback's hold replaces an older one: it says who to ask now.
    await this.db('shipyard_holds').insert(row).onConflict(['service_ref', 'workspace']).merge();
    return { ...hold, at: at.toISOString() };
  }

  async getHolds(service: string) {
    const rows = await this.db('shipyard_holds').where({ service_ref: service });
    return new Map<string, AutoPromotionHold>(rows.map(r => [r.workspace, holdOf(r)]));
  }

  async liftHold(service: string, workspace: string) {
    return this.db.transaction(async tx => {
      const row = await tx('shipyard_holds').where({ service_ref: service, workspace }).first();
      if (!row) return undefined;
      await tx('shipyard_holds').where({ service_ref: service, workspace }).delete();
      return holdOf(row);
    });
  }

  async claimAutoPromotion(key: AutoPromotionKey, holder: string, ttlMs: number): Promise<boolean> {
    await this.db('shipyard_auto_promotions')
      .insert({
        ...keyWhere(key),
        result: 'running',
        claimed_by: holder,
        claim_expires_at: this.clock(ttlMs),
        created_at: this.clock(),
        updated_at: this.clock(),
      })
      .onConflict(['service_ref', 'source_workspace', 'source_version', 'target_workspace'])
      .ignore();
    // Ours when we just inserted it (holders are unique per attempt), when
    // its holder died mid-attempt and the claim expired by the database's
    // clock, or when it waits for a soak time or freeze to pass.
    const claimed = await this.db('shipyard_auto_promotions')
      .where(keyWhere(key))
      .andWhere(q =>
        q
          .where(r =>
            r
              .where('result', 'running')
              .andWhere(c => c.where('claimed_by', holder).orWhere('claim_expires_at', '<=', this.clock())),
          )
          .orWhere(r => r.where('result', 'skipped').whereIn('code', WAITING_CODES)),
      )
      .update({ claimed_by: holder, claim_expires_at: this.clock(ttlMs), updated_at: this.clock() });
    return claimed > 0;
  }

  async finishAutoPromotion(key: AutoPromotionKey, update: AutoPromotionUpdate) {
    await this.db('shipyard_auto_promotions')
      .where(keyWhere(key))
      .update({
        result: update.result,
        code: update.code ?? null,
        reason: update.reason ?? null,
        target_version: update.targetVersion ?? null,
        outcome: update.outcome ?? null,
        claimed_by: null,
        claim_expires_at: null,
        updated_at: this.clock(),
      });
  }

  async setAutoPromotionOutcome(key: AutoPromotionKey, outcome: string) {
    await this.db('shipyard_auto_promotions').where(keyWhere(key)).update({ outcome });
  }

  async getAutoPromotion(key: AutoPromotionKey) {
    const row = await this.db<AttemptRow>('shipyard_auto_promotions').where(keyWhere(key)).first();
    return row ? toAttempt(row) : undefined;
  }

  async latestAutoPromotions(service: string) {
    const rows = await this.db<AttemptRow>('shipyard_auto_promotions')
      .where({ service_ref: service })
      .orderBy('updated_at', 'asc');
    const result = new Map<string, AutoPromotionAttempt>();
    for (const row of rows) result.set(row.target_workspace, toAttempt(row));
    return result;
  }

  async listUnfinishedAutoPromotions() {
    const rows = await this.db('shipyard_auto_promotions')
      .where(q =>
        q
          .where(r => r.where('result', 'running').andWhere('claim_expires_at', '<=', this.clock()))
          .orWhere(r => r.where('result', 'promoted').whereNull('outcome'))
          .orWhere(r => r.where('result', 'skipped').whereIn('code', WAITING_CODES)),
      )
      .limit(500);
    return rows.map((r: any) => ({
      service: r.service_ref,
      sourceWorkspace: r.source_workspace,
      sourceVersion: Number(r.source_version),
      targetWorkspace: r.target_workspace,
      result: r.result,
      targetVersion: r.target_version === null ? undefined : Number(r.target_version),
    }));
  }

  async listAutoPromotionCandidates(withinMs: number) {
    const rows = await this.db('shipyard_workspace_state as s')
      .join('shipyard_versions as v', join =>
        join.on('v.service_ref', 's.service_ref').andOn('v.workspace', 's.workspace').andOn('v.number', 's.current_number'),
      )
      .where('v.status', 'succeeded')
      .andWhere('v.finished_at', '>', this.clock(-withinMs))
      .whereNotExists(q =>
        q
          .select(this.db.raw('1'))
          .from('shipyard_auto_promotions as a')
          .whereRaw('a.service_ref = v.service_ref and a.source_workspace = v.workspace and a.source_version = v.number'),
      )
      .select('v.service_ref', 'v.workspace', 'v.number')
      // The latest first: a restart wants what it has just missed.
      .orderBy('v.finished_at', 'desc')
      .limit(2000);
    return rows.map((r: any) => ({ service: r.service_ref, workspace: r.workspace, number: Number(r.number) }));
  }
}

function holdOf(row: any): AutoPromotionHold {
  const hold: AutoPromotionHold = { by: row.held_by, at: toIso(row.held_at)!, reason: row.reason };
  if (row.version_number !== null && row.version_number !== undefined) hold.version = Number(row.version_number);
  return hold;
}
