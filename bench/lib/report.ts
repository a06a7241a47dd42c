import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';

/**
 * One line of the benchmark table. `pass` is undefined for a row that only
 * informs (no target of DESIGN §10), and a skipped row says why.
 */
export interface Row {
  id: string;
  benchmark: string;
  target: string;
  measured: string;
  pass?: boolean;
  skipped?: string;
  details?: unknown;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export class Report {
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  private readonly startedAt = new Date();
  /** Other work on the machine skews latencies: the load at start and end is part of the record. */
  private readonly loadAtStart = loadavg();

  add(row: Row): Row {
    this.rows.push(row);
    const verdict = row.skipped ? 'SKIP' : row.pass === undefined ? 'info' : row.pass ? 'PASS' : 'FAIL';
    // eslint-disable-next-line no-console
    console.log(`[bench] ${verdict.padEnd(4)} ${row.benchmark}: ${row.skipped ?? row.measured}`);
    return row;
  }

  skip(id: string, benchmark: string, target: string, reason: string) {
    return this.add({ id, benchmark, target, measured: '—', skipped: reason });
  }

  note(text: string) {
    this.notes.push(text);
    // eslint-disable-next-line no-console
    console.log(`[bench] note: ${text}`);
  }

  table(): string {
    const header = ['Benchmark', 'Target', 'Measured', 'Result'];
    const lines = this.rows.map(r => [
      r.benchmark,
      r.target,
      r.skipped ? `skipped: ${r.skipped}` : r.measured,
      r.skipped ? 'skip' : r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'FAIL',
    ]);
    const escape = (cell: string) => cell.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map(l => escape(l[i]).length)));
    const fmt = (cells: string[]) => `| ${cells.map((c, i) => escape(c).padEnd(widths[i])).join(' | ')} |`;
    return [fmt(header), `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
  }

  summary() {
    const counted = this.rows.filter(r => !r.skipped && r.pass !== undefined);
    return {
      passed: counted.filter(r => r.pass).length,
      failed: counted.filter(r => !r.pass).length,
      skipped: this.rows.filter(r => r.skipped).length,
      info: this.rows.filter(r => !r.skipped && r.pass === undefined).length,
    };
  }

  write(file: string, environment: Record<string, unknown>) {
    mkdirSync(dirname(file), { recursive: true });
    const json = {
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        loadAverage1m: { start: round2(this.loadAtStart[0]), end: round2(loadavg()[0]) },
      },
      environment,
      summary: this.summary(),
      rows: this.rows,
      notes: this.notes,
      table: this.table(),
    };
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  }
}
