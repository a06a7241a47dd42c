import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the Versions tab is mounted. @public */
export const versionsRouteRef = createRouteRef({ id: 'shipyard-versions' });

/** Where the Promote tab is mounted. @public */
export const promoteRouteRef = createRouteRef({ id: 'shipyard-promote' });

/** Where the approvals page is mounted, and where the Promote tab links to it. @public */
export const approvalsRouteRef = createRouteRef({ id: 'shipyard-approvals' });

/** The path the app mounts the approvals page at (the `/alpha` plugin does so itself). */
export const APPROVALS_PATH = '/shipyard/approvals';
