import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { Lease } from '@shipyard/backstage-plugin-common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { VersionStore } from '../database/VersionStore';
import { sleep } from './sleep';

/** A lease this process holds, renewed in the background until released. */
export interface HeldLease {
  readonly holder: string;
  /** False once the lease was lost (expired or force-released). */
  readonly isHeld: () => boolean;
  release(): Promise<void>;
}

/**
 * One operation per (service, workspace), across backend replicas: a lease
 * row with holder and expiry in the database. The holder renews it while it
 * works, so a holder that dies loses it after one TTL.
 */
export class LeaseManager {
  private readonly processId = `${hostname()}/${process.pid}`;

  constructor(
    private readonly store: VersionStore,
    private readonly logger: LoggerService,
    private readonly options: { ttlMs: number; waitMs: number },
  ) {}

  /**
   * Takes the lease, waiting up to the configured time for a busy one;
   * ConflictError naming the holder when it stays busy.
   */
  async acquire(service: string, workspace: string, operation: string): Promise<HeldLease> {
    const holder = `${this.processId}/${randomUUID()}`;
    const deadline = Date.now() + this.options.waitMs;
    let delay = 25;
    let busy: Lease;
    for (;;) {
      const result = await this.store.acquireLease(service, workspace, {
        holder,
        operation,
        ttlMs: this.options.ttlMs,
      });
      if (result.acquired) break;
      busy = result.lease;
      if (Date.now() + delay > deadline) {
        throw new ConflictError(
          `${service} in ${workspace} is busy: ${busy.operation} by ${busy.holder} since ${busy.acquiredAt} (lease expires ${busy.expiresAt})`,
        );
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 500);
    }

    let held = true;
    const renewEvery = Math.max(250, Math.floor(this.options.ttlMs / 3));
    const timer = setInterval(() => {
      this.store
        .renewLease(service, workspace, holder, this.options.ttlMs)
        .then(renewed => {
          if (!renewed && held) {
            held = false;
            this.logger.warn(`Lost the lease on ${service} in ${workspace} (${operation})`);
          }
        })
        .catch(error =>
          this.logger.warn(`Could not renew the lease on ${service} in ${workspace}: ${error}`),
        );
    }, renewEvery);
    timer.unref?.();

    return {
      holder,
      isHeld: () => held,
      release: async () => {
        clearInterval(timer);
        if (held) {
          held = false;
          await this.store.releaseLease(service, workspace, holder);
        }
      },
    };
  }
}
