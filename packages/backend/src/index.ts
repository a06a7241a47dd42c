/*
 * The Backstage backend of Shipyard's development portal: catalog,
 * Kubernetes, scaffolder, permissions, notifications, signals, guest sign-in,
 * Shipyard and MCP. An adopter's backend adds Shipyard with the same one line.
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));

backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('@backstage/plugin-permission-backend-module-allow-all-policy'));

backend.add(import('@backstage/plugin-scaffolder-backend'));

backend.add(import('@backstage/plugin-kubernetes-backend'));

// Live updates of the entity page: Shipyard signals every version status change.
backend.add(import('@backstage/plugin-signals-backend'));

// Shipyard tells a service's owners about failed rollouts, automatic promotions and approvals waiting.
backend.add(import('@backstage/plugin-notifications-backend'));

backend.add(import('@shipyard/backstage-plugin-backend'));
backend.add(import('@shipyard/backstage-plugin-scaffolder-backend-module'));

// Shipyard's registry actions as MCP tools for assistants, at /api/mcp-actions/v1.
backend.add(import('@backstage/plugin-mcp-actions-backend'));

backend.start();
