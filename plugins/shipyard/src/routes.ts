import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the Versions tab is mounted. @public */
export const versionsRouteRef = createRouteRef({ id: 'shipyard-versions' });

/** Where the Promote tab is mounted. @public */
export const promoteRouteRef = createRouteRef({ id: 'shipyard-promote' });
