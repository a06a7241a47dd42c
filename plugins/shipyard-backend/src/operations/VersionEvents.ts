import { LoggerService } from '@backstage/backend-plugin-api';
import { Version, VersionStatus } from '@shipyard/backstage-plugin-common';
import {
  NewVersion,
  CreateVersionOptions,
  VersionStatusUpdate,
  VersionStore,
} from '../database/VersionStore';

/**
 * A version was stored or changed status. Published after the write
 * committed, in this process only: listeners that must not miss a change
 * across restarts (auto-promotion) keep their own durable record and use
 * the event only to act sooner.
 * @public
 */
export interface VersionStatusEvent {
  entityRef: string;
  workspace: string;
  number: number;
  status: VersionStatus;
  statusMessage?: string | null;
  /** True when the version was just created (its first status). */
  created: boolean;
}

/** @public */
export type VersionEventListener = (
  event: VersionStatusEvent,
) => void | Promise<void>;

/**
 * The in-process bus every version status change goes through: signals,
 * notifications, auto-promotion and watchers subscribe here instead of each
 * patching the places that write statuses.
 * @public
 */
export class VersionEvents {
  private readonly listeners = new Set<VersionEventListener>();

  constructor(private readonly logger?: LoggerService) {}

  /** Returns the function that unsubscribes. */
  subscribe(listener: VersionEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener; a listener's failure is logged and never reaches the writer. */
  publish(event: VersionStatusEvent): void {
    for (const listener of this.listeners) {
      Promise.resolve()
        .then(() => listener(event))
        .catch(error =>
          this.logger?.warn(
            `A listener of ${event.entityRef} ${event.workspace} v${event.number} (${event.status}) failed: ${error}`,
          ),
        );
    }
  }

  /**
   * `store` with every createVersion and updateVersionStatus published
   * after it succeeded. Every other method is the store's own.
   */
  wrap(store: VersionStore): VersionStore {
    const publish = (event: VersionStatusEvent) => this.publish(event);
    return new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'createVersion') {
          return async (
            version: NewVersion,
            options?: CreateVersionOptions,
          ): Promise<Version> => {
            const stored = await target.createVersion(version, options);
            publish({
              entityRef: stored.service,
              workspace: stored.workspace,
              number: stored.number,
              status: stored.status,
              statusMessage: stored.statusMessage,
              created: true,
            });
            return stored;
          };
        }
        if (property === 'updateVersionStatus') {
          return async (
            service: string,
            workspace: string,
            number: number,
            update: VersionStatusUpdate,
          ) => {
            await target.updateVersionStatus(
              service,
              workspace,
              number,
              update,
            );
            publish({
              entityRef: service,
              workspace,
              number,
              status: update.status,
              statusMessage: update.statusMessage,
              created: false,
            });
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
