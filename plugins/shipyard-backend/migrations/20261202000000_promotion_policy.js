/*
 * The promotion policy (DESIGN §11): rejected versions, holds on automatic
 * promotion, and the durable record of every automatic promotion.
 *
 * - `shipyard_rejections`: a rejected version, with its spec hash, so the
 *   rejection follows the spec into every workspace of the service.
 * - `shipyard_holds`: the hold a rollback placed on automatic promotion into
 *   a workspace, until a manual deploy or promotion or DELETE …/hold lifts it.
 * - `shipyard_auto_promotions`: one row per (service, source workspace,
 *   source version, target workspace), inserted to claim the attempt, so it
 *   runs once across replicas; a claim whose holder died expires and is taken
 *   over by the periodic scan.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('shipyard_rejections', table => {
    table.comment('Versions marked bad: neither they nor their spec hash are promoted or rolled back to');
    table.string('service_ref', 255).notNullable();
    table.string('workspace', 63).notNullable();
    table.integer('version_number').notNullable();
    table.string('spec_hash', 64).notNullable();
    table.string('rejected_by', 255).notNullable();
    table.timestamp('rejected_at', { useTz: true }).notNullable();
    table.text('reason').notNullable();
    table.primary(['service_ref', 'workspace', 'version_number']);
    table.index(['service_ref', 'spec_hash'], 'shipyard_rejections_spec_idx');
  });

  await knex.schema.createTable('shipyard_holds', table => {
    table.comment('Holds on automatic promotion into a workspace, placed by a rollback there');
    table.string('service_ref', 255).notNullable();
    table.string('workspace', 63).notNullable();
    table.string('held_by', 255).notNullable();
    table.timestamp('held_at', { useTz: true }).notNullable();
    table.text('reason').notNullable();
    table.integer('version_number').nullable().comment('The rollback version that placed the hold');
    table.primary(['service_ref', 'workspace']);
  });

  await knex.schema.createTable('shipyard_auto_promotions', table => {
    table.comment('Every automatic promotion attempt; the key is claimed once across replicas');
    table.string('service_ref', 255).notNullable();
    table.string('source_workspace', 63).notNullable();
    table.integer('source_version').notNullable();
    table.string('target_workspace', 63).notNullable();
    table.string('result', 16).notNullable().comment('running, promoted, skipped or failed');
    table.string('code', 32).nullable();
    table.text('reason').nullable();
    table.integer('target_version').nullable();
    table.string('outcome', 32).nullable().comment('The rollout status of target_version once final');
    table.string('claimed_by', 255).nullable();
    table.timestamp('claim_expires_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['service_ref', 'source_workspace', 'source_version', 'target_workspace']);
    table.index(['service_ref', 'target_workspace', 'updated_at'], 'shipyard_auto_promotions_target_idx');
    table.index(['result'], 'shipyard_auto_promotions_result_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('shipyard_auto_promotions');
  await knex.schema.dropTable('shipyard_holds');
  await knex.schema.dropTable('shipyard_rejections');
};
