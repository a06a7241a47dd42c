import { createProgressReporter } from './progress';

function stream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (text: string) => writes.push(text) };
}

describe('createProgressReporter', () => {
  it('redraws one line on a terminal and ends it with a newline', () => {
    const tty = stream(true);
    let now = 0;
    const progress = createProgressReporter(tty, () => now);
    progress.update('v4 in dev: applying');
    now = 2000;
    progress.update('v4 in dev: progressing, 1/2 ready');
    progress.done();
    expect(tty.writes).toEqual([
      '\r\x1b[2Kv4 in dev: applying (0s)',
      '\r\x1b[2Kv4 in dev: progressing, 1/2 ready (2s)',
      '\n',
    ]);
  });

  it('shortens the line to the terminal width', () => {
    const tty = stream(true, 12);
    createProgressReporter(tty, () => 0).update('v4 in dev: progressing');
    expect(tty.writes).toEqual(['\r\x1b[2Kv4 in dev:…']);
  });

  it('writes plain lines only when the state changes elsewhere', () => {
    const ci = stream(false);
    let now = 0;
    const progress = createProgressReporter(ci, () => now);
    progress.update('v4 in dev: applying');
    now = 1000;
    progress.update('v4 in dev: applying');
    now = 3000;
    progress.update('v4 in dev: succeeded');
    progress.done();
    expect(ci.writes).toEqual([
      '[0s] v4 in dev: applying\n',
      '[3s] v4 in dev: succeeded\n',
    ]);
  });
});
