import { RootConfigService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';

/** `payments` or `component:default/payments` → `component:default/payments`. */
export function normalizeServiceRef(entityRef: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(entityRef, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      }),
    );
  } catch (error) {
    throw new InputError(`entityRef: ${(error as Error).message}`);
  }
}

/**
 * The service's Versions tab in the app, on the workspace:
 * `{app.baseUrl}/catalog/{namespace}/{kind}/{name}/versions?workspace={ws}`.
 * The app lower-cases kind and namespace in entity routes.
 */
export function versionsTabUrl(
  config: RootConfigService,
  entityRef: string,
  workspace: string,
): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  const baseUrl = config.getString('app.baseUrl').replace(/\/+$/, '');
  const path = [
    namespace.toLocaleLowerCase('en-US'),
    kind.toLocaleLowerCase('en-US'),
    name,
  ]
    .map(encodeURIComponent)
    .join('/');
  return `${baseUrl}/catalog/${path}/versions?workspace=${encodeURIComponent(
    workspace,
  )}`;
}
