import {
  configMapKeyError,
  dns1123LabelError,
  dns1123SubdomainError,
  envNameError,
  labelValueError,
  portNameError,
  qualifiedNameError,
} from './kubernetesNames';

describe('Kubernetes name rules', () => {
  it.each([
    [
      dns1123LabelError,
      ['payments', 'a', 'a-1', 'x'.repeat(63)],
      ['', 'Payments', '-a', 'a-', 'a.b', 'x'.repeat(64)],
    ],
    [
      dns1123SubdomainError,
      ['payments-db', 'a.b.c', 'x'.repeat(253)],
      ['', 'A', 'a..b', '.a', `${'x'.repeat(254)}`],
    ],
    [
      qualifiedNameError,
      ['team', 'example.com/team', 'app.kubernetes.io/part-of', 'A_b.c-D'],
      [
        '',
        '/a',
        'a/',
        'a/b/c',
        'Example.com/a',
        '_a',
        'a b',
        `${'x'.repeat(64)}`,
      ],
    ],
    [
      labelValueError,
      ['', 'v1', 'A_b.c-D', 'x'.repeat(63)],
      ['-a', 'a b', 'x'.repeat(64), 'a/b'],
    ],
    [
      portNameError,
      ['http', 'grpc-web', 'h2c', 'x'.repeat(15)],
      ['', 'HTTP', '8080', 'a--b', '-a', 'x'.repeat(16), 'a_b'],
    ],
    [
      envNameError,
      ['LOG_LEVEL', '_X', 'a1'],
      ['', '1X', 'A-B', 'A.B', '__proto__'],
    ],
    [configMapKeyError, ['password', 'a.b-c_D', '.env'], ['', 'a/b', 'a b']],
  ])('%p accepts good values and refuses bad ones', (check, good, bad) => {
    for (const value of good) {
      expect([value, check(value)]).toEqual([value, undefined]);
    }
    for (const value of bad) {
      expect([value, check(value)]).toEqual([value, expect.any(String)]);
    }
  });
});
