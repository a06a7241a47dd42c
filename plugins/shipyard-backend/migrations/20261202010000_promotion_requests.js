/*
 * Promotion requests: a promotion into a workspace with `approval.required`
 * waits here for approvals by other users. A request is bound to the plan
 * hash it was made for; an approval records the hash it approved.
 *
 * - `executing_since` claims the execution, so of two approvers arriving at
 *   once, or two replicas, only one runs the promotion.
 * - `inputs` holds the promotion's inputs (env values, possibly literals):
 *   they are what the target's version will carry, so they are stored as a
 *   version's spec is, and never returned by the API.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('shipyard_promotion_requests', table => {
    table.comment('Promotions into approval-requiring workspaces, waiting for or past their approvals');
    table.string('id', 36).primary().notNullable();
    table.string('service_ref', 255).notNullable();
    table.string('source', 63).notNullable();
    table.string('target', 63).notNullable();
    table.integer('source_version').notNullable();
    table.boolean('source_version_pinned').notNullable().defaultTo(false);
    table.integer('target_version').nullable();
    table.string('plan_hash', 64).notNullable();
    table.text('take').nullable().comment('JSON list of fields taken from the source');
    table.text('inputs').nullable().comment('JSON promotion inputs; never returned by the API');
    table.text('reason').nullable();
    table.string('origin', 32).notNullable();
    table.integer('required').notNullable();
    table.string('status', 16).notNullable();
    table.string('requested_by', 255).notNullable();
    table.timestamp('requested_at', { useTz: true }).notNullable();
    table.timestamp('approved_at', { useTz: true }).nullable();
    table.string('outcome_by', 255).nullable();
    table.timestamp('outcome_at', { useTz: true }).nullable();
    table.text('outcome_reason').nullable();
    table.integer('outcome_version').nullable();
    table.timestamp('executing_since', { useTz: true }).nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.index(['status', 'requested_at'], 'shipyard_promotion_requests_status_idx');
    table.index(['service_ref', 'requested_at'], 'shipyard_promotion_requests_service_idx');
  });
  await knex.schema.createTable('shipyard_promotion_approvals', table => {
    table.comment('One approval per user and request, for the plan hash it approved');
    table
      .string('request_id', 36)
      .notNullable()
      .references('id')
      .inTable('shipyard_promotion_requests')
      .onDelete('CASCADE');
    table.string('approver', 255).notNullable();
    table.string('plan_hash', 64).notNullable();
    table.text('reason').nullable();
    table.timestamp('approved_at', { useTz: true }).notNullable();
    table.primary(['request_id', 'approver']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('shipyard_promotion_approvals');
  await knex.schema.dropTable('shipyard_promotion_requests');
};
