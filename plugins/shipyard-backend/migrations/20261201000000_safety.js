/*
 * Safety: one owner per Kubernetes object, and fenced leases.
 *
 * - `shipyard_object_claims`: the entity that first deployed an object name in
 *   a cluster namespace owns it; another entity's deploy there is refused.
 * - `lease_generation` is a fencing token, bumped by every acquisition, so a
 *   holder whose lease expired or was taken can neither apply nor move the
 *   current version. `lease_phase` says whether the holder is still writing
 *   or only following a rollout (which a rollback may preempt).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('shipyard_object_claims', table => {
    table.comment('Which catalog entity owns the Kubernetes objects of a name in a cluster namespace');
    table.string('cluster', 255).notNullable();
    table.string('namespace', 63).notNullable();
    table.string('object_name', 253).notNullable();
    table.string('entity_ref', 255).notNullable();
    table.string('workspace', 63).notNullable().comment('The workspace of the first deploy');
    table.timestamp('claimed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['cluster', 'namespace', 'object_name']);
  });
  await knex.schema.alterTable('shipyard_workspace_state', table => {
    table.integer('lease_generation').notNullable().defaultTo(0);
    table.string('lease_phase', 16).nullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('shipyard_workspace_state', table => {
    table.dropColumn('lease_phase');
    table.dropColumn('lease_generation');
  });
  await knex.schema.dropTable('shipyard_object_claims');
};
