import { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { NotificationSeverity } from '@backstage/plugin-notifications-common';
import { PromotionRequest } from '@shipyard/backstage-plugin-common';
import { VersionStore } from '../database/VersionStore';
import { VersionEvents, VersionStatusEvent } from '../operations/VersionEvents';

/**
 * What Shipyard tells a service's owners, through the notifications
 * backend, each with a link to the tab where to act. Sending never fails the
 * operation that caused it.
 * @public
 */
export interface ShipyardNotifier {
  /** A version's rollout failed (or it could not be applied). */
  versionFailed(event: { entityRef: string; workspace: string; number: number; statusMessage?: string | null }): Promise<void>;
  /** Shipyard rolled a workspace back on its own after a failed rollout. */
  autoRolledBack(event: {
    entityRef: string;
    workspace: string;
    /** The new version the rollback created. */
    number: number;
    /** The version rolled back to. */
    toVersion?: number;
    reason?: string | null;
  }): Promise<void>;
  /** Auto-promotion created `number` in `target` from `sourceVersion` in `source`. */
  autoPromoted(event: { entityRef: string; source: string; target: string; sourceVersion: number; number: number }): Promise<void>;
  /** Auto-promotion from `source` to `target` did not run; `reason` says what stood in the way. */
  autoPromotionBlocked(event: {
    entityRef: string;
    source: string;
    target: string;
    sourceVersion?: number;
    reason: string;
  }): Promise<void>;
  /** A promotion request waits for approvals. */
  approvalWaiting(request: PromotionRequest): Promise<void>;
}

/** The entity page's path of a service, e.g. `/catalog/default/component/payments`. */
function entityPath(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(kind.toLocaleLowerCase('en-US'))}/${encodeURIComponent(name)}`;
}

function serviceName(entityRef: string): string {
  return parseEntityRef(entityRef).name;
}

/**
 * {@link ShipyardNotifier} on Backstage's `notificationService`: the
 * recipient is the service's entity, which the notifications backend
 * resolves to its owners. Without the notifications backend installed the
 * sends fail; the first failure is logged as a warning, later ones at debug.
 * @public
 */
export class NotificationsShipyardNotifier implements ShipyardNotifier {
  private warned = false;

  constructor(
    private readonly deps: {
      notifications: NotificationService;
      logger: LoggerService;
    },
  ) {}

  /**
   * Notifies about failures and automatic rollbacks as the bus reports them.
   * Only the replica that wrote a status publishes it, so each is sent once.
   */
  subscribeTo(events: VersionEvents, store: VersionStore): () => void {
    return events.subscribe(event => this.onVersionEvent(event, store));
  }

  private async onVersionEvent(event: VersionStatusEvent, store: VersionStore) {
    if (event.created) {
      const version = await store.getVersion(event.entityRef, event.workspace, event.number);
      if (version?.origin.type === 'rollback' && version.origin.automatic) {
        await this.autoRolledBack({
          entityRef: event.entityRef,
          workspace: event.workspace,
          number: event.number,
          toVersion: version.origin.version,
          reason: version.origin.automatic,
        });
      }
    }
    if (event.status === 'failed') {
      await this.versionFailed(event);
    }
  }

  async versionFailed(event: { entityRef: string; workspace: string; number: number; statusMessage?: string | null }) {
    await this.send(event.entityRef, {
      title: `${serviceName(event.entityRef)} v${event.number} failed in ${event.workspace}`,
      description: event.statusMessage ?? 'The rollout failed; the version page has the cluster’s messages.',
      link: `${entityPath(event.entityRef)}/versions/${encodeURIComponent(event.workspace)}/${event.number}`,
      severity: 'high',
      topic: `shipyard:${event.entityRef}:${event.workspace}`,
    });
  }

  async autoRolledBack(event: {
    entityRef: string;
    workspace: string;
    number: number;
    toVersion?: number;
    reason?: string | null;
  }) {
    const to = event.toVersion === undefined ? '' : ` to v${event.toVersion}`;
    await this.send(event.entityRef, {
      title: `${serviceName(event.entityRef)} was rolled back${to} in ${event.workspace}`,
      description: `Shipyard rolled back on its own (v${event.number})${event.reason ? `: ${event.reason}` : ''}. Automatic promotion into ${event.workspace} is held until someone deploys or promotes by hand.`,
      link: `${entityPath(event.entityRef)}/versions`,
      severity: 'high',
      topic: `shipyard:${event.entityRef}:${event.workspace}`,
    });
  }

  async autoPromoted(event: { entityRef: string; source: string; target: string; sourceVersion: number; number: number }) {
    await this.send(event.entityRef, {
      title: `${serviceName(event.entityRef)} was promoted to ${event.target} automatically`,
      description: `${event.source} v${event.sourceVersion} became ${event.target} v${event.number} (shipyard/auto-promote).`,
      link: `${entityPath(event.entityRef)}/promote`,
      severity: 'normal',
      topic: `shipyard:${event.entityRef}:${event.target}`,
    });
  }

  async autoPromotionBlocked(event: {
    entityRef: string;
    source: string;
    target: string;
    sourceVersion?: number;
    reason: string;
  }) {
    const version = event.sourceVersion === undefined ? '' : ` v${event.sourceVersion}`;
    await this.send(event.entityRef, {
      title: `${serviceName(event.entityRef)}${version} was not promoted to ${event.target} automatically`,
      description: event.reason,
      link: `${entityPath(event.entityRef)}/promote`,
      severity: 'normal',
      topic: `shipyard:${event.entityRef}:${event.target}`,
    });
  }

  async approvalWaiting(request: PromotionRequest) {
    const approvals = `${request.required} approval${request.required === 1 ? '' : 's'}`;
    await this.send(
      request.service,
      {
        title: `Promotion of ${serviceName(request.service)} to ${request.target} waits for approval`,
        description: `${request.origin === 'auto-promotion' ? 'Auto-promotion (shipyard/auto-promote)' : request.requestedBy} asks to promote ${request.source} v${request.sourceVersion} to ${request.target}${request.reason ? `: ${request.reason}` : ''}. It needs ${approvals} by someone else.`,
        link: `${entityPath(request.service)}/promote`,
        severity: 'normal',
        topic: `shipyard:${request.service}:${request.target}`,
      },
      // The requester knows already.
      request.requestedBy.startsWith('user:') ? request.requestedBy : undefined,
    );
  }

  private async send(
    entityRef: string,
    payload: { title: string; description: string; link: string; severity: NotificationSeverity; topic: string },
    excludeEntityRef?: string,
  ) {
    try {
      await this.deps.notifications.send({
        recipients: { type: 'entity', entityRef, ...(excludeEntityRef ? { excludeEntityRef } : {}) },
        payload,
      });
    } catch (error) {
      const message = `Shipyard could not send the notification '${payload.title}': ${error}`;
      if (this.warned) {
        this.deps.logger.debug(message);
      } else {
        this.warned = true;
        this.deps.logger.warn(
          `${message}. Is @backstage/plugin-notifications-backend installed? Set shipyard.notifications.enabled: false to stop sending.`,
        );
      }
    }
  }
}
