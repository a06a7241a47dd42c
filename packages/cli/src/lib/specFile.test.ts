import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseSpecText, readSpecFile } from './specFile';

describe('parseSpecText', () => {
  it('returns the spec of a valid file', () => {
    const result = parseSpecText(
      'image: ghcr.io/acme/payments:1.4.2\nreplicas: 2\n',
      'shipyard.yaml',
    );
    expect(result).toEqual({
      success: true,
      spec: { image: 'ghcr.io/acme/payments:1.4.2', replicas: 2 },
    });
  });

  it('names the field and its line for each schema error, in file order', () => {
    const text = [
      'image: ghcr.io/acme/payments:1.4.2', // 1
      'ports:', // 2
      '  - name: http', // 3
      '    port: 80800', // 4
      'replicaz: 3', // 5
      'env:', // 6
      '  LOG_LEVEL: info', // 7
      'replicas: -1', // 8
    ].join('\n');
    const result = parseSpecText(text, 'shipyard.yaml');
    expect(result.success).toBe(false);
    expect(!result.success && result.problems).toEqual([
      expect.stringMatching(/^shipyard\.yaml:4: ports\[0\]\.port: /),
      'shipyard.yaml:5: replicaz: unknown field; did you mean replicas?',
      expect.stringMatching(/^shipyard\.yaml:8: replicas: /),
    ]);
  });

  it('finds map keys that contain dots', () => {
    const text = [
      'image: ghcr.io/acme/payments:1.4.2',
      'labels:',
      '  team: payments',
      '  app.kubernetes.io/name: payments',
    ].join('\n');
    const result = parseSpecText(text, 'shipyard.yaml');
    expect(!result.success && result.problems).toEqual([
      expect.stringMatching(
        /^shipyard\.yaml:4: labels\.app\.kubernetes\.io\/name: /,
      ),
    ]);
  });

  it('places a missing required field at the map that should hold it', () => {
    const result = parseSpecText('\nreplicas: 2\n', 'shipyard.yaml');
    expect(!result.success && result.problems).toEqual([
      'shipyard.yaml:2: image: is required',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const result = parseSpecText(
      'image: ghcr.io/acme/payments:1.4.2\nports: [\n',
      'shipyard.yaml',
    );
    expect(!result.success && result.problems).toEqual([
      expect.stringMatching(/^shipyard\.yaml:\d+:\d+: /),
    ]);
  });

  it('reports a duplicate env key at its second occurrence', () => {
    const text = [
      'image: ghcr.io/acme/payments:1.4.2',
      'env:',
      '  LOG_LEVEL: info',
      '  LOG_LEVEL: debug',
    ].join('\n');
    const result = parseSpecText(text, 'shipyard.yaml');
    expect(!result.success && result.problems).toEqual([
      'shipyard.yaml:4: env.LOG_LEVEL: duplicate key',
    ]);
  });

  it('says so when the file is empty', () => {
    const result = parseSpecText('  \n', 'shipyard.yaml');
    expect(!result.success && result.problems[0]).toMatch(
      /^shipyard\.yaml:1: the file is empty/,
    );
  });
});

describe('readSpecFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shipyard-cli-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads and validates a file', async () => {
    await writeFile(join(dir, 'shipyard.yaml'), 'image: nginx:1.27\n');
    await expect(readSpecFile(join(dir, 'shipyard.yaml'))).resolves.toEqual({
      image: 'nginx:1.27',
    });
  });

  it('fails as bad input, with every problem, when the spec is invalid', async () => {
    await writeFile(
      join(dir, 'shipyard.yaml'),
      'image: nginx:1.27\nreplicas: -2\n',
    );
    await expect(
      readSpecFile(join(dir, 'shipyard.yaml'), 'shipyard.yaml'),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^shipyard\.yaml:2: replicas: /),
    });
  });

  it('accepts the spec of the GitHub Actions example', async () => {
    const example = resolve(
      __dirname,
      '../../../../examples/github-actions/shipyard.yaml',
    );
    await expect(readSpecFile(example)).resolves.toMatchObject({
      image: 'ghcr.io/acme/payments:1.4.2',
    });
  });

  it('names a missing file', async () => {
    await expect(
      readSpecFile('/nonexistent/shipyard.yaml', 'shipyard.yaml'),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: 'cannot read the spec file shipyard.yaml: no such file',
    });
  });
});
