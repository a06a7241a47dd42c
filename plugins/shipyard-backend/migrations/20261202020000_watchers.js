/*
 * Watchers: one backend replica at a time watches the clusters. It holds the
 * row `cluster-watchers` of `shipyard_singleton_leases` and renews it; the
 * others serve requests and take the row over when it expires.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('shipyard_singleton_leases', table => {
    table.comment('Work that one backend replica does for all: who does it, until when');
    table.string('name', 63).primary();
    table.string('holder', 255).nullable();
    table.integer('generation').notNullable().defaultTo(0);
    table.timestamp('acquired_at', { useTz: true }).nullable();
    table.timestamp('expires_at', { useTz: true }).nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('shipyard_singleton_leases');
};
