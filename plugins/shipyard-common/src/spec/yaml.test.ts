import fc from 'fast-check';
import { serviceSpecArbitrary } from '../__testUtils__/arbitraries';
import { parseSpecYaml, parseSpecYamlWithLines, stringifySpec } from './yaml';

const designYaml = `
image: ghcr.io/acme/payments:1.4.2          # required; tag and/or @sha256 digest
command: [node]
args: [server.js]
ports: [{ name: http, port: 8080, protocol: TCP }]
env:
  LOG_LEVEL: info
  DB_PASSWORD: { secretKeyRef: { name: payments-db, key: password } }
  FLAGS: { configMapKeyRef: { name: flags, key: payments } }
resources: { requests: { cpu: 250m, memory: 256Mi }, limits: { cpu: "1", memory: 512Mi } }
autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 70 }
readinessProbe: { httpGet: { path: /ready, port: http }, periodSeconds: 5 }
livenessProbe: { httpGet: { path: /healthz, port: http } }
labels: {}
annotations: {}
`;

describe('parseSpecYaml', () => {
  it('parses the example of DESIGN §4', () => {
    const result = parseSpecYaml(designYaml);
    expect(result.success).toBe(true);
    expect(result.success && result.spec.env?.DB_PASSWORD).toEqual({
      secretKeyRef: { name: 'payments-db', key: 'password' },
    });
  });

  it('reports a syntax error with its line', () => {
    const result = parseSpecYaml(
      'image: nginx:1\nports: [{ port: 80\nreplicas: 2\n',
    );
    expect(result.success).toBe(false);
    expect(!result.success && result.errors[0].message).toMatch(
      /^line \d+, column \d+: /,
    );
  });

  it('reports a duplicate key with its path and line', () => {
    const result = parseSpecYaml(
      'image: nginx:1\nenv:\n  LOG_LEVEL: info\n  LOG_LEVEL: debug\n',
    );
    expect(result).toEqual({
      success: false,
      errors: [{ path: 'env.LOG_LEVEL', message: 'duplicate key (line 4)' }],
    });
  });

  it('reports duplicate keys inside lists and at the top level', () => {
    const result = parseSpecYaml(
      'image: nginx:1\nports:\n  - port: 80\n    port: 81\nimage: nginx:2\n',
    );
    expect(!result.success && result.errors.map(e => e.path)).toEqual([
      'ports[0].port',
      'image',
    ]);
  });

  it('validates the parsed spec, naming the field', () => {
    expect(parseSpecYaml('image: nginx:1\nreplicas: -1\n')).toEqual({
      success: false,
      errors: [{ path: 'replicas', message: 'must be >= 0' }],
    });
  });

  it('refuses an empty document and a document that is not a map', () => {
    expect(parseSpecYaml('').success).toBe(false);
    expect(parseSpecYaml('- image: nginx:1').success).toBe(false);
  });

  it('refuses several documents', () => {
    expect(parseSpecYaml('image: nginx:1\n---\nimage: nginx:2\n').success).toBe(
      false,
    );
  });
});

describe('parseSpecYamlWithLines', () => {
  const errorsOf = (lines: string[]) => {
    const result = parseSpecYamlWithLines(lines.join('\n'));
    expect(result.success).toBe(false);
    return result.success ? [] : result.errors;
  };

  it('returns the spec of valid YAML', () => {
    expect(
      parseSpecYamlWithLines(
        'image: ghcr.io/acme/payments:1.4.2\nreplicas: 2\n',
      ),
    ).toEqual({
      success: true,
      spec: { image: 'ghcr.io/acme/payments:1.4.2', replicas: 2 },
    });
  });

  it('places each field error on its line, inside lists too, in file order', () => {
    const errors = errorsOf([
      'replicas: -1', // 1
      'image: ghcr.io/acme/payments:1.4.2', // 2
      'ports:', // 3
      '  - name: http', // 4
      '    port: 80800', // 5
      'replicaz: 3', // 6
    ]);
    expect(errors).toEqual([
      { path: 'replicas', message: 'must be >= 0', line: 1 },
      { path: 'ports[0].port', message: expect.any(String), line: 5 },
      {
        path: 'replicaz',
        message: 'unknown field; did you mean replicas?',
        line: 6,
      },
    ]);
  });

  it('finds map keys that contain dots, preferring the longest key', () => {
    const errors = errorsOf([
      'image: ghcr.io/acme/payments:1.4.2', // 1
      'labels:', // 2
      '  app: payments', // 3
      '  app.kubernetes.io/name: "not a valid label value!"', // 4
    ]);
    expect(errors).toEqual([
      {
        path: 'labels.app.kubernetes.io/name',
        message: expect.any(String),
        line: 4,
      },
    ]);
  });

  it('places a missing field on the map that should hold it', () => {
    expect(errorsOf(['', 'replicas: 2'])).toEqual([
      { path: 'image', message: 'is required', line: 2 },
    ]);
    expect(
      errorsOf([
        'image: nginx:1', // 1
        'env:', // 2
        '  DB_PASSWORD:', // 3
        '    secretKeyRef:', // 4
        '      name: payments-db', // 5
      ]),
    ).toEqual([
      expect.objectContaining({
        path: 'env.DB_PASSWORD.secretKeyRef.key',
        line: 4,
      }),
    ]);
  });

  it('places a duplicate key on its second occurrence, in lists and at the top level', () => {
    expect(
      errorsOf([
        'image: nginx:1', // 1
        'ports:', // 2
        '  - port: 80', // 3
        '    port: 81', // 4
        'env:', // 5
        '  LOG_LEVEL: info', // 6
        '  LOG_LEVEL: debug', // 7
        'image: nginx:2', // 8
      ]),
    ).toEqual([
      { path: 'ports[0].port', message: 'duplicate key', line: 4 },
      { path: 'env.LOG_LEVEL', message: 'duplicate key', line: 7 },
      { path: 'image', message: 'duplicate key', line: 8 },
    ]);
  });

  it('gives a syntax error its line and column, without repeating them in the message', () => {
    const [error] = errorsOf([
      'image: nginx:1',
      'ports: [{ port: 80',
      'replicas: 2',
    ]);
    expect(error).toEqual({
      path: '',
      message: expect.not.stringMatching(/line \d|\n/),
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(error.line).toBeGreaterThanOrEqual(2);
  });

  it('places problems of the whole document on its first line', () => {
    expect(errorsOf(['- image: nginx:1'])).toEqual([
      expect.objectContaining({ path: '', line: 1 }),
    ]);
  });

  it('says so when the file is empty', () => {
    expect(errorsOf(['  ', ''])).toEqual([
      {
        path: '',
        message: 'the file is empty; expected a spec with at least an image',
        line: 1,
      },
    ]);
  });
});

describe('stringifySpec', () => {
  it('writes fields in DESIGN §4 order and map keys sorted', () => {
    const text = stringifySpec({
      labels: { b: '1', a: '2' },
      replicas: 2,
      env: { ZED: 'z', ALPHA: 'a' },
      image: 'nginx:1.25',
      ports: [{ protocol: 'TCP', port: 80, name: 'http' }],
    });
    expect(text).toBe(
      [
        'image: nginx:1.25',
        'ports:',
        '  - name: http',
        '    port: 80',
        '    protocol: TCP',
        'env:',
        '  ALPHA: a',
        '  ZED: z',
        'replicas: 2',
        'labels:',
        '  a: "2"',
        '  b: "1"',
        '',
      ].join('\n'),
    );
  });

  it('gives the same text whatever the key order of the spec', () => {
    const spec = {
      image: 'nginx:1',
      env: { A: '1', B: { secretKeyRef: { key: 'k', name: 'n' } } },
    };
    const shuffled = {
      env: { B: { secretKeyRef: { name: 'n', key: 'k' } }, A: '1' },
      image: 'nginx:1',
    };
    expect(stringifySpec(shuffled)).toBe(stringifySpec(spec));
  });

  it('round-trips every valid spec through parseSpecYaml', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary(), spec => {
        expect(parseSpecYaml(stringifySpec(spec))).toEqual({
          success: true,
          spec,
        });
      }),
      { numRuns: 200 },
    );
  });
});
