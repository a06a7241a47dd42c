import { looksLikeSecretName, specWarnings } from './specWarnings';

describe('looksLikeSecretName', () => {
  it.each([
    'DB_PASSWORD',
    'db_password',
    'PASSWORD',
    'SMTP_PASSWD',
    'SSH_PASSPHRASE',
    'CLIENT_SECRET',
    'SECRET',
    'GITHUB_TOKEN',
    'token',
    'AWS_SECRET_ACCESS_KEY',
    'STRIPE_API_KEY',
    'API_KEY',
    'KEY',
    'OPENAI_APIKEY',
    'GOOGLE_CREDENTIALS',
    'dbPassword',
    'apiKey',
    'authToken',
  ])('%s looks secret', name => {
    expect(looksLikeSecretName(name)).toBe(true);
  });

  it.each([
    'LOG_LEVEL',
    'PWD',
    'AWS_ACCESS_KEY_ID',
    'TOKEN_URL',
    'PASSWORD_MIN_LENGTH',
    'SECRETS_DIR',
    'KEYCLOAK_URL',
    'JWT_PUBLIC_KEY',
    'MONKEY',
    'TOKENIZER',
    '_',
  ])('%s does not', name => {
    expect(looksLikeSecretName(name)).toBe(false);
  });
});

describe('specWarnings', () => {
  it('warns about secret-looking env vars with a literal value, pointing at secretKeyRef, never quoting the value', () => {
    const warnings = specWarnings({
      image: 'nginx:1',
      env: {
        LOG_LEVEL: 'info',
        STRIPE_API_KEY: 'sk_live_123',
        DB_PASSWORD: { secretKeyRef: { name: 'db', key: 'password' } },
        GITHUB_TOKEN: 'ghp_abc',
        EMPTY_TOKEN: '',
        SESSION_SECRET: { configMapKeyRef: { name: 'c', key: 'k' } },
      },
    });
    expect(warnings).toEqual([
      {
        code: 'secret-literal',
        path: 'env.GITHUB_TOKEN',
        message: expect.stringContaining('secretKeyRef'),
      },
      {
        code: 'secret-literal',
        path: 'env.STRIPE_API_KEY',
        message: expect.stringContaining('secretKeyRef'),
      },
    ]);
    expect(JSON.stringify(warnings)).not.toMatch(/sk_live|ghp_/);
  });

  it('has nothing to say about a spec without env', () => {
    expect(specWarnings({ image: 'nginx:1' })).toEqual([]);
  });
});
