import { imageReferenceError, parseImageReference } from './imageReference';

const digest = `sha256:${'a1'.repeat(32)}`;

describe('parseImageReference', () => {
  it('splits registry, repository, tag and digest', () => {
    expect(
      parseImageReference(`ghcr.io/acme/payments:1.4.2@${digest}`),
    ).toEqual({
      reference: {
        registry: 'ghcr.io',
        repository: 'acme/payments',
        tag: '1.4.2',
        digest,
      },
    });
    expect(parseImageReference('localhost:5000/payments:dev')).toEqual({
      reference: {
        registry: 'localhost:5000',
        repository: 'payments',
        tag: 'dev',
      },
    });
    expect(parseImageReference('nginx:1.25')).toEqual({
      reference: { repository: 'nginx', tag: '1.25' },
    });
  });

  it.each([
    'nginx:1.25',
    'library/nginx:latest',
    'ghcr.io/acme/payments:1.4.2',
    `ghcr.io/acme/payments@${digest}`,
    `ghcr.io/acme/payments:1.4.2@${digest}`,
    'registry.example.com:5000/team/app_name/sub-app:v1_2.3-rc.1',
    'localhost/app:1',
    '[::1]:5000/app:1',
    'a__b/c--d/e.f:1',
  ])('accepts %s', reference => {
    expect(imageReferenceError(reference)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['nginx', /tag or a digest/],
    ['ghcr.io/acme/payments', /tag or a digest/],
    ['ghcr.io/Acme/payments:1', /lowercase/],
    ['Payments:1', /lowercase/],
    ['nginx :1', /spaces/],
    ['nginx:1 ', /spaces/],
    ['nginx:', /tag/],
    ['nginx:-1', /tag/],
    [`nginx:${'a'.repeat(129)}`, /tag/],
    ['nginx@sha256:abc', /digest/],
    [`nginx@md5:${'a'.repeat(64)}`, /digest/],
    [`nginx@sha256:${'A'.repeat(64)}`, /digest/],
    ['ghcr.io//payments:1', /path component/],
    ['ghcr.io/acme/-payments:1', /path component/],
    ['ghcr.io/acme/pay..ments:1', /path component/],
    ['-ghcr.io/acme:1', /registry/],
    [`ghcr.io/${'a'.repeat(260)}:1`, /at most 255/],
  ])('refuses %p', (reference, message) => {
    expect(imageReferenceError(reference)).toMatch(message);
  });
});
