/** A stream progress is written to: a TTY gets one updating line, anything else plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Shows how a long operation is going. */
export interface ProgressReporter {
  /** The current state, e.g. `v4 in dev: progressing, 1/2 ready`. */
  update(state: string): void;
  /** Ends the progress display, leaving the last state visible. */
  done(): void;
}

/**
 * On a terminal, redraws a single line with the elapsed time; otherwise
 * (CI logs) writes a plain line only when the state changes.
 */
export function createProgressReporter(
  stream: ProgressStream,
  now: () => number = Date.now,
): ProgressReporter {
  const started = now();
  const elapsed = () => `${Math.round((now() - started) / 1000)}s`;
  if (stream.isTTY) {
    let drawn = false;
    return {
      update(state) {
        const line = `${state} (${elapsed()})`;
        // A pseudo-terminal may report 0 columns.
        const width = (stream.columns || 80) - 1;
        stream.write(
          `\r\x1b[2K${
            line.length > width ? `${line.slice(0, width - 1)}…` : line
          }`,
        );
        drawn = true;
      },
      done() {
        if (drawn) stream.write('\n');
        drawn = false;
      },
    };
  }
  let last: string | undefined;
  return {
    update(state) {
      if (state !== last) {
        stream.write(`[${elapsed()}] ${state}\n`);
        last = state;
      }
    },
    done() {},
  };
}
