import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { Lease } from '@shipyard/backstage-plugin-common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { LeaseFence, LeaseLostError, VersionStore } from '../database/VersionStore';
import { sleep } from './sleep';

/** A lease this process holds, renewed in the background until released. */
export interface HeldLease {
  readonly holder: string;
  /** What every fenced write presents to the database. */
  readonly fence: LeaseFence;
  /** False once the lease was seen lost (expired, force-released or preempted). */
  readonly isHeld: () => boolean;
  /** Asks the database; LeaseLostError when the lease is no longer this holder's. */
  assertHeld(): Promise<void>;
  /** The holder stopped writing and only follows the rollout, so a rollback may preempt it. */
  markFollowing(): Promise<void>;
  /** Stops renewing and frees the lease. Never throws: an unreleased lease expires by itself. */
  release(): Promise<void>;
}

/**
 * One operation per (service, workspace), across backend replicas: a lease
 * row with holder, expiry and a generation in the database. The holder
 * renews it while it works, so a holder that dies loses it after one TTL,
 * and every write it makes is fenced by the generation it acquired, so a
 * holder that lost the lease (a long GC pause, a partition) writes nothing.
 *
 * Preemption rule: a rollback may take the lease from an operation that
 * only follows a rollout (its objects are applied; it reads, it does not
 * write), so an urgent rollback during a bad rollout never waits for the
 * progress deadline. An operation that is still writing (storing the
 * version, dry run, apply) is never preempted; deploys and promotions wait.
 */
export class LeaseManager {
  private readonly processId = `${hostname()}/${process.pid}`;

  constructor(
    private readonly store: VersionStore,
    private readonly logger: LoggerService,
    private readonly options: { ttlMs: number; waitMs: number },
  ) {}

  private async releaseLater(service: string, workspace: string, fence: LeaseFence, until: number) {
    for (let delay = 250; Date.now() + delay < until; delay = Math.min(delay * 2, 2000)) {
      await sleep(delay);
      try {
        await this.store.releaseLease(service, workspace, fence);
        return;
      } catch {
        // Still unavailable; the lease expires by itself at `until` anyway.
      }
    }
  }

  /** Takes the lease if it is free now, without waiting; undefined when busy. */
  async tryAcquire(service: string, workspace: string, operation: string): Promise<HeldLease | undefined> {
    try {
      return await this.acquire(service, workspace, operation, { waitMs: 0 });
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }

  /**
   * Takes the lease, waiting up to the configured time for a busy one;
   * ConflictError naming the holder when it stays busy.
   */
  async acquire(
    service: string,
    workspace: string,
    operation: string,
    options: { preemptFollowing?: boolean; waitMs?: number } = {},
  ): Promise<HeldLease> {
    const holder = `${this.processId}/${randomUUID()}`;
    const deadline = Date.now() + (options.waitMs ?? this.options.waitMs);
    let delay = 25;
    let busy: Lease;
    let acquired: Lease;
    for (;;) {
      const result = await this.store.acquireLease(service, workspace, {
        holder,
        operation,
        ttlMs: this.options.ttlMs,
        preemptFollowing: options.preemptFollowing,
      });
      if (result.acquired) {
        acquired = result.lease;
        break;
      }
      // Released between the attempt and the read of its holder: try again at once.
      if (!result.lease) continue;
      busy = result.lease;
      if (Date.now() + delay > deadline) {
        throw new ConflictError(
          `${service} in ${workspace} is busy: ${busy.operation} by ${busy.holder} since ${busy.acquiredAt} (lease expires ${busy.expiresAt})`,
        );
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 500);
    }
    const fence: LeaseFence = { holder, generation: acquired.generation ?? 0 };

    let held = true;
    const lost = (why: string) => {
      if (held) {
        held = false;
        this.logger.warn(`Lost the lease on ${service} in ${workspace} (${operation}): ${why}`);
      }
    };
    const renewEvery = Math.max(250, Math.floor(this.options.ttlMs / 3));
    const timer = setInterval(() => {
      this.store
        .renewLease(service, workspace, fence, this.options.ttlMs)
        .then(renewed => {
          if (!renewed) lost('expired, force-released or preempted');
        })
        .catch(error =>
          this.logger.warn(`Could not renew the lease on ${service} in ${workspace}: ${error}`),
        );
    }, renewEvery);
    timer.unref?.();

    return {
      holder,
      fence,
      isHeld: () => held,
      assertHeld: async () => {
        if (!held || !(await this.store.isLeaseHeld(service, workspace, fence))) {
          lost('checked before writing');
          throw new LeaseLostError(
            `${service} in ${workspace}: ${operation} no longer holds the lease (it expired, was force-released or was taken by a rollback); nothing was applied`,
          );
        }
      },
      markFollowing: async () => {
        if (!(await this.store.markLeaseFollowing(service, workspace, fence))) {
          lost('gone before following the rollout');
        }
      },
      release: async () => {
        clearInterval(timer);
        if (!held) return;
        held = false;
        try {
          await this.store.releaseLease(service, workspace, fence);
        } catch (error) {
          this.logger.warn(
            `Could not release the lease on ${service} in ${workspace}; retrying until it expires within ${this.options.ttlMs / 1000}s: ${error}`,
          );
          // In the background: the caller's answer must not wait for the
          // database to come back, but the workspace should not wait a TTL.
          void this.releaseLater(service, workspace, fence, Date.now() + this.options.ttlMs);
        }
      },
    };
  }
}
