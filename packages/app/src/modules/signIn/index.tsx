import { SignInPage } from '@backstage/core-components';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/**
 * Guest sign-in against the backend's guest provider (auth.providers.guest in
 * app-config.yaml): the backend issues a real Backstage token, which every
 * Shipyard route requires. Replace `providers` with your identity provider.
 */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => props =>
          <SignInPage {...props} providers={['guest']} />,
      },
    }),
  ],
});
