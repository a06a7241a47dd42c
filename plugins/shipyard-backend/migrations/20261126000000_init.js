/*
 * Shipyard's tables. Specs are stored whole and shared by content hash, so a
 * rollback to v5 never depends on v1..v4. Version numbers are allocated from
 * `shipyard_workspace_state.latest_number` inside the transaction that stores
 * the version, and the unique constraint is the last line of defence.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('shipyard_specs', table => {
    table.comment('Deployable specs, stored whole, shared by content hash');
    table.string('hash', 64).primary().notNullable();
    table.text('spec').notNullable().comment('Canonical JSON of the spec');
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('shipyard_workspace_state', table => {
    table.comment('Per (service, workspace): number counter, current version, drift and the operation lease');
    table.string('service_ref', 255).notNullable();
    table.string('workspace', 63).notNullable();
    table.integer('latest_number').notNullable().defaultTo(0);
    table.integer('current_number').nullable();
    table.text('drift').nullable().comment('JSON drift report of the last check');
    table.string('lease_holder', 255).nullable();
    table.string('lease_operation', 255).nullable();
    table.timestamp('lease_acquired_at', { useTz: true }).nullable();
    table.timestamp('lease_expires_at', { useTz: true }).nullable();
    table.primary(['service_ref', 'workspace']);
  });

  await knex.schema.createTable('shipyard_versions', table => {
    table.comment('Every deployed version of every service, never rewritten');
    table.bigIncrements('id').primary();
    table.string('service_ref', 255).notNullable();
    table.string('workspace', 63).notNullable();
    table.integer('number').notNullable();
    table.string('spec_hash', 64).notNullable().references('hash').inTable('shipyard_specs');
    table.string('origin_type', 32).notNullable();
    table.integer('origin_version').nullable();
    table.string('origin_workspace', 63).nullable();
    table.text('origin_automatic').nullable();
    table.string('status', 32).notNullable();
    table.text('status_message').nullable();
    table.text('rollout').nullable().comment('JSON rollout progress');
    table.string('created_by', 255).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.text('message').nullable();
    table.timestamp('applied_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.unique(['service_ref', 'workspace', 'number'], {
      indexName: 'shipyard_versions_number_unique',
    });
    table.index(['status'], 'shipyard_versions_status_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('shipyard_versions');
  await knex.schema.dropTable('shipyard_workspace_state');
  await knex.schema.dropTable('shipyard_specs');
};
