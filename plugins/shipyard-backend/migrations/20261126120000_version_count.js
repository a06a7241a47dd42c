/*
 * The number of stored versions per (service, workspace), kept in the state
 * row by the transaction that adds or prunes versions, so a history page
 * never counts 10,000 rows to say how many there are.
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('shipyard_workspace_state', table => {
    table.integer('version_count').notNullable().defaultTo(0);
  });
  await knex('shipyard_workspace_state').update({
    version_count: knex('shipyard_versions')
      .count('*')
      .where('shipyard_versions.service_ref', knex.ref('shipyard_workspace_state.service_ref'))
      .andWhere('shipyard_versions.workspace', knex.ref('shipyard_workspace_state.workspace')),
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('shipyard_workspace_state', table => {
    table.dropColumn('version_count');
  });
};
