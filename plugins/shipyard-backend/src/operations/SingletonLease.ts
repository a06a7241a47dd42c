import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/** Who holds a singleton lease, as the database says. */
export interface SingletonLeaseHolder {
  holder: string;
  generation: number;
  expiresAt: string;
}

/**
 * Work one backend replica does for all (the cluster watchers): a row with
 * holder, generation and expiry by the database's clock. The holder renews
 * it every third of its TTL and runs the work while it holds it; the others
 * try to take it at the same pace, so a holder that dies is replaced within
 * about 1⅓ TTL, and one that cannot renew stops its work before its lease
 * can expire.
 */
export class SingletonLease {
  readonly holder = `${hostname()}/${process.pid}/${randomUUID()}`;
  private held = false;
  private generation = 0;
  private lastRenewedAt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private tick: Promise<void> = Promise.resolve();
  private readonly isPostgres: boolean;

  constructor(
    private readonly db: Knex,
    private readonly options: {
      name: string;
      ttlMs: number;
      logger: LoggerService;
      /** Called when this replica took the lease. */
      onAcquired: () => void | Promise<void>;
      /** Called when it lost or released it; the work must stop. */
      onLost: () => void | Promise<void>;
    },
  ) {
    this.isPostgres = String(db.client.config.client).startsWith('p');
  }

  /** The database's clock in the unit `expires_at` is stored in (see DatabaseVersionStore). */
  private now(offsetMs = 0): Knex.Raw {
    if (this.isPostgres) {
      return this.db.raw(`clock_timestamp() + (? * interval '1 millisecond')`, [offsetMs]);
    }
    return this.db.raw(`(CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER) + ?)`, [offsetMs]);
  }

  /** Starts competing for the lease; the first attempt is made before this resolves. */
  async start(): Promise<void> {
    await this.db('shipyard_singleton_leases')
      .insert({ name: this.options.name, generation: 0 })
      .onConflict('name')
      .ignore();
    await this.step();
    this.timer = setInterval(() => {
      this.tick = this.tick.then(() => this.step());
    }, Math.max(100, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref?.();
  }

  isHeld(): boolean {
    return this.held;
  }

  /** Stops competing, stops the work and frees the lease for another replica at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.tick;
    if (!this.held) return;
    await this.lose('released');
    await this.db('shipyard_singleton_leases')
      .where({ name: this.options.name, holder: this.holder, generation: this.generation })
      .update({ holder: null, expires_at: null })
      .catch(error => this.options.logger.warn(`Could not release the ${this.options.name} lease: ${error}`));
  }

  /** The current holder, for tests and operators. */
  async current(): Promise<SingletonLeaseHolder | undefined> {
    const row = await this.db('shipyard_singleton_leases').where({ name: this.options.name }).first();
    if (!row?.holder) return undefined;
    return { holder: row.holder, generation: Number(row.generation), expiresAt: String(row.expires_at) };
  }

  private async lose(why: string) {
    this.held = false;
    this.options.logger.info(`This replica no longer runs the ${this.options.name} (${why})`);
    try {
      await this.options.onLost();
    } catch (error) {
      this.options.logger.warn(`Stopping the ${this.options.name}: ${error}`);
    }
  }

  private async step() {
    if (this.stopped) return;
    const { name, ttlMs } = this.options;
    try {
      if (this.held) {
        const renewed = await this.db('shipyard_singleton_leases')
          .where({ name, holder: this.holder, generation: this.generation })
          .andWhere('expires_at', '>', this.now())
          .update({ expires_at: this.now(ttlMs) });
        if (renewed === 1) {
          this.lastRenewedAt = Date.now();
        } else {
          await this.lose('another replica took it over');
        }
        return;
      }
      // One conditional UPDATE, so two replicas can never both take it.
      const taken = await this.db('shipyard_singleton_leases')
        .where({ name })
        .andWhere(q => q.whereNull('holder').orWhereNull('expires_at').orWhere('expires_at', '<=', this.now()))
        .update({
          holder: this.holder,
          generation: this.db.raw('generation + 1'),
          acquired_at: this.now(),
          expires_at: this.now(ttlMs),
        });
      if (taken !== 1) return;
      const row = await this.db('shipyard_singleton_leases').where({ name, holder: this.holder }).first();
      if (!row) return;
      this.generation = Number(row.generation);
      this.held = true;
      this.lastRenewedAt = Date.now();
      this.options.logger.info(`This replica runs the ${name} (lease generation ${this.generation})`);
      await this.options.onAcquired();
    } catch (error) {
      this.options.logger.warn(`The ${name} lease: ${error}`);
      // Unable to renew: stop before the lease can expire and another replica starts the same work.
      if (this.held && Date.now() - this.lastRenewedAt > (ttlMs * 2) / 3) {
        await this.lose('could not renew it');
      }
    }
  }
}
