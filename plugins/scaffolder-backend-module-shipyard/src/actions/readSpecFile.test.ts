import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpecFile } from './readSpecFile';

describe('readSpecFile', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'spec-file-'));
  });
  afterAll(() => rm(workspace, { recursive: true, force: true }));

  const read = async (text: string) => {
    await writeFile(join(workspace, 'shipyard.yaml'), text);
    return readSpecFile(workspace, 'shipyard.yaml');
  };

  it('returns a valid spec', async () => {
    await expect(
      read('image: ghcr.io/acme/a:1.0.0\nreplicas: 2\n'),
    ).resolves.toEqual({
      image: 'ghcr.io/acme/a:1.0.0',
      replicas: 2,
    });
  });

  it('names the field and the line of each error, inside lists and under keys with dots', async () => {
    const text = [
      'image: ghcr.io/acme/a:1.0.0', // 1
      'ports:', // 2
      '  - name: http', // 3
      '    port: 0', // 4
      'labels:', // 5
      '  app.kubernetes.io/name: "not a valid label value!"', // 6
    ].join('\n');
    await expect(read(text)).rejects.toThrow(
      /^specFile shipyard\.yaml: line 4: ports\[0\]\.port: .*; line 6: labels\.app\.kubernetes\.io\/name: /,
    );
  });

  it('keeps the line of a syntax error and names duplicate keys', async () => {
    await expect(read('image: [\n')).rejects.toThrow(
      /^specFile shipyard\.yaml: line \d+, column \d+: /,
    );
    await expect(read('image: a\nreplicas: 1\nreplicas: 2\n')).rejects.toThrow(
      /^specFile shipyard\.yaml: line 3: replicas: duplicate key/,
    );
  });

  it('refuses a path outside the task workspace', async () => {
    await expect(readSpecFile(workspace, '../etc/passwd')).rejects.toThrow(
      /^specFile: cannot read \.\.\/etc\/passwd/,
    );
  });
});
