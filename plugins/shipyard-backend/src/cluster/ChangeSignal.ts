/**
 * Wakes whoever waits for the next change a watch sees, with a time limit
 * on each wait: how a rollout follower sleeps between two looks without
 * polling the cluster.
 */
export class ChangeSignal {
  private readonly waiting = new Set<() => void>();

  /** Resolves at the next {@link ChangeSignal.notify}, or after `ms`, whichever comes first. */
  next(ms: number): Promise<void> {
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      timer = setTimeout(wake, ms);
      this.waiting.add(wake);
    });
  }

  /** Wakes everyone waiting now. */
  notify(): void {
    for (const wake of [...this.waiting]) wake();
  }

  /** Whether someone waits now. */
  hasWaiters(): boolean {
    return this.waiting.size > 0;
  }
}
