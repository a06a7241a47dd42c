import type { Entity } from '@backstage/catalog-model';
import { SHIPYARD_WORKSPACES_ANNOTATION } from '@shipyard/backstage-plugin-common';

/**
 * Whether Shipyard applies to an entity: it names its workspaces, or it is a
 * service component. Use with `EntitySwitch` or as an extension filter.
 * @public
 */
export function isShipyardAvailable(entity: Entity): boolean {
  if (entity.metadata.annotations?.[SHIPYARD_WORKSPACES_ANNOTATION]) {
    return true;
  }
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'component' &&
    entity.spec?.type === 'service'
  );
}
