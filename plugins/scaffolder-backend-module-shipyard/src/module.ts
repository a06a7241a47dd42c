import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  createShipyardDeployAction,
  createShipyardPromoteAction,
  createShipyardRegisterLocalAction,
  createShipyardRollbackAction,
} from './actions';

/**
 * The scaffolder module of Shipyard: `shipyard:deploy`, `shipyard:rollback`
 * and `shipyard:promote`, calling /api/shipyard on behalf of the user who
 * runs the template; with `shipyard.scaffolder.localCatalog` configured, also
 * `shipyard:catalog:register-local` for a local demo without a Git host.
 * @public
 */
export const scaffolderModuleShipyard = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'shipyard',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, discovery, auth, config, catalog }) {
        const options = { discovery, auth, config, catalog };
        scaffolder.addActions(
          createShipyardDeployAction(options),
          createShipyardRollbackAction(options),
          createShipyardPromoteAction(options),
        );
        const local = config.getOptionalConfig(
          'shipyard.scaffolder.localCatalog',
        );
        if (local) {
          scaffolder.addActions(
            createShipyardRegisterLocalAction({
              catalog,
              directory: local.getString('directory'),
              location: local.getString('location'),
            }),
          );
        }
      },
    });
  },
});
