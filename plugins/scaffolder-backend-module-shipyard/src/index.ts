/**
 * Scaffolder actions for Shipyard: `shipyard:deploy`, `shipyard:rollback`
 * and `shipyard:promote`, with dry runs.
 *
 * @packageDocumentation
 */

export { scaffolderModuleShipyard as default } from './module';
export * from './actions';
