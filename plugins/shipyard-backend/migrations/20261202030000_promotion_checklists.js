/*
 * Promotion checklists: what to check after a promotion, stored with the
 * version it created, each item ticked off by someone (or still open).
 */

// @ts-check

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('shipyard_version_checklist_items', table => {
    table.comment('The checklist of the promotion that created a version, and who ticked off which item');
    table.string('service_ref', 255).notNullable();
    table.string('workspace', 63).notNullable();
    table.integer('number').notNullable();
    table.integer('item_id').notNullable();
    table.text('text').notNullable();
    table.string('done_by', 255).nullable();
    table.timestamp('done_at', { useTz: true }).nullable();
    table.primary(['service_ref', 'workspace', 'number', 'item_id']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('shipyard_version_checklist_items');
};
