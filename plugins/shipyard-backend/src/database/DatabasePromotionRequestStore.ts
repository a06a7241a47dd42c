import { randomUUID } from 'node:crypto';
import { PromotionApproval, PromotionRequestStatus } from '@shipyard/backstage-plugin-common';
import { Knex } from 'knex';
import { toIso } from './DatabaseVersionStore';
import {
  NewPromotionRequest,
  PromotionRequestStore,
  PromotionRequestTransition,
  StoredPromotionRequest,
} from './PromotionRequestStore';

type Timestamp = Date | string | number | null;

type RequestRow = {
  id: string;
  service_ref: string;
  source: string;
  target: string;
  source_version: number;
  source_version_pinned: boolean | number;
  target_version: number | null;
  plan_hash: string;
  take: string | null;
  inputs: string | null;
  reason: string | null;
  origin: StoredPromotionRequest['origin'];
  required: number;
  status: PromotionRequestStatus;
  requested_by: string;
  requested_at: Timestamp;
  approved_at: Timestamp;
  outcome_by: string | null;
  outcome_at: Timestamp;
  outcome_reason: string | null;
  outcome_version: number | null;
  executing_since: Timestamp;
  updated_at: Timestamp;
};

type ApprovalRow = {
  request_id: string;
  approver: string;
  plan_hash: string;
  reason: string | null;
  approved_at: Timestamp;
};

const REQUESTS = 'shipyard_promotion_requests';
const APPROVALS = 'shipyard_promotion_approvals';

function toRequest(row: RequestRow, approvals: ApprovalRow[]): StoredPromotionRequest {
  const inputs = row.inputs ? JSON.parse(row.inputs) : undefined;
  const request: StoredPromotionRequest = {
    id: row.id,
    service: row.service_ref,
    source: row.source,
    target: row.target,
    sourceVersion: Number(row.source_version),
    sourceVersionPinned: Boolean(row.source_version_pinned),
    planHash: row.plan_hash,
    inputKeys: Object.keys(inputs?.env ?? {}),
    origin: row.origin,
    status: row.status,
    required: Number(row.required),
    approvals: approvals.map(a => {
      const approval: PromotionApproval = { by: a.approver, at: toIso(a.approved_at)!, planHash: a.plan_hash };
      if (a.reason !== null) approval.reason = a.reason;
      return approval;
    }),
    requestedBy: row.requested_by,
    requestedAt: toIso(row.requested_at)!,
    updatedAt: toIso(row.updated_at)!,
  };
  if (row.target_version !== null) request.targetVersion = Number(row.target_version);
  if (row.take !== null) request.take = JSON.parse(row.take);
  if (inputs) request.inputs = inputs;
  if (row.reason !== null) request.reason = row.reason;
  const approvedAt = toIso(row.approved_at);
  if (approvedAt) request.approvedAt = approvedAt;
  if (row.outcome_by !== null) {
    request.outcome = { by: row.outcome_by, at: toIso(row.outcome_at)! };
    if (row.outcome_reason !== null) request.outcome.reason = row.outcome_reason;
    if (row.outcome_version !== null) request.outcome.version = Number(row.outcome_version);
  }
  return request;
}

/**
 * The knex implementation of {@link PromotionRequestStore}, on SQLite and
 * PostgreSQL. Its tables are created by the plugin's migrations, which the
 * version store runs.
 */
export class DatabasePromotionRequestStore implements PromotionRequestStore {
  constructor(private readonly db: Knex) {}

  async create(input: NewPromotionRequest): Promise<StoredPromotionRequest> {
    const now = new Date();
    const id = randomUUID();
    await this.db<RequestRow>(REQUESTS).insert({
      id,
      service_ref: input.service,
      source: input.source,
      target: input.target,
      source_version: input.sourceVersion,
      source_version_pinned: input.sourceVersionPinned,
      target_version: input.targetVersion ?? null,
      plan_hash: input.planHash,
      take: input.take?.length ? JSON.stringify(input.take) : null,
      inputs: input.inputs?.env && Object.keys(input.inputs.env).length ? JSON.stringify(input.inputs) : null,
      reason: input.reason ?? null,
      origin: input.origin,
      required: input.required,
      status: 'pending',
      requested_by: input.requestedBy,
      requested_at: now,
      updated_at: now,
    });
    return (await this.get(id))!;
  }

  async get(id: string): Promise<StoredPromotionRequest | undefined> {
    const row = await this.db<RequestRow>(REQUESTS).where({ id }).first();
    if (!row) return undefined;
    const approvals = await this.db<ApprovalRow>(APPROVALS).where({ request_id: id }).orderBy('approved_at', 'asc');
    return toRequest(row, approvals);
  }

  async list(filter: {
    service?: string;
    status?: PromotionRequestStatus[];
    limit: number;
    offset?: number;
  }): Promise<StoredPromotionRequest[]> {
    let query = this.db<RequestRow>(REQUESTS)
      .orderBy([
        { column: 'requested_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(filter.limit)
      .offset(filter.offset ?? 0);
    if (filter.service) query = query.where({ service_ref: filter.service });
    if (filter.status?.length) query = query.whereIn('status', filter.status);
    const rows = await query;
    if (!rows.length) return [];
    const approvals = await this.db<ApprovalRow>(APPROVALS)
      .whereIn(
        'request_id',
        rows.map(r => r.id),
      )
      .orderBy('approved_at', 'asc');
    return rows.map(row =>
      toRequest(
        row,
        approvals.filter(a => a.request_id === row.id),
      ),
    );
  }

  async addApproval(id: string, approval: PromotionApproval): Promise<boolean> {
    // The primary key (request, approver) keeps one approval per user, also
    // when the same user approves twice at once from two tabs or replicas.
    const inserted = await this.db(APPROVALS)
      .insert({
        request_id: id,
        approver: approval.by,
        plan_hash: approval.planHash,
        reason: approval.reason ?? null,
        approved_at: new Date(approval.at),
      })
      .onConflict(['request_id', 'approver'])
      .ignore()
      .returning('approver');
    return inserted.length > 0;
  }

  async transition(id: string, transition: PromotionRequestTransition): Promise<boolean> {
    const now = new Date();
    const patch: Partial<Record<keyof RequestRow, unknown>> = { status: transition.to, updated_at: now };
    if (transition.approvedAt) patch.approved_at = new Date(transition.approvedAt);
    if (transition.outcome) {
      patch.outcome_by = transition.outcome.by;
      patch.outcome_at = new Date(transition.outcome.at);
      patch.outcome_reason = transition.outcome.reason ?? null;
      patch.outcome_version = transition.outcome.version ?? null;
      patch.executing_since = null;
    }
    const updated = await this.db(REQUESTS).where({ id }).whereIn('status', transition.from).update(patch);
    return updated === 1;
  }

  async claimExecution(id: string, expiredAfterMs: number): Promise<boolean> {
    const now = new Date();
    const updated = await this.db(REQUESTS)
      .where({ id, status: 'approved' })
      .andWhere(q => q.whereNull('executing_since').orWhere('executing_since', '<', new Date(now.getTime() - expiredAfterMs)))
      .update({ executing_since: now, updated_at: now });
    return updated === 1;
  }

  async releaseExecution(id: string): Promise<void> {
    await this.db(REQUESTS).where({ id }).update({ executing_since: null, updated_at: new Date() });
  }
}
