import { InputError } from '@backstage/errors';
import { readShipyardAnnotations } from './annotations';

function entity(annotations: Record<string, string>, name = 'payments') {
  return { metadata: { name, annotations } };
}

describe('readShipyardAnnotations', () => {
  it('reads workspaces, promotion path, auto-promotion and rules', () => {
    expect(
      readShipyardAnnotations(
        entity({
          'shipyard/workspaces': 'dev, staging, prod',
          'shipyard/promotion': 'dev -> staging -> prod',
          'shipyard/auto-promote': 'dev -> staging',
          'shipyard/promotion-rules': '{"fields":{"replicas":"source"}}',
          'shipyard/service-name': 'payments-api',
        }),
      ),
    ).toEqual({
      serviceName: 'payments-api',
      workspaces: ['dev', 'staging', 'prod'],
      promotionPath: ['dev', 'staging', 'prod'],
      promotionChains: [['dev', 'staging', 'prod']],
      autoPromote: { from: 'dev', to: 'staging' },
      rules: { fields: { replicas: 'source' } },
    });
  });

  it('defaults the service name to the entity name and leaves the rest out', () => {
    expect(readShipyardAnnotations({ metadata: { name: 'payments' } })).toEqual(
      {
        serviceName: 'payments',
      },
    );
  });

  it('accepts either separator and extra spaces', () => {
    expect(
      readShipyardAnnotations(
        entity({ 'shipyard/workspaces': ' dev->staging ,prod ' }),
      ).workspaces,
    ).toEqual(['dev', 'staging', 'prod']);
    expect(
      readShipyardAnnotations(entity({ 'shipyard/promotion': 'dev, prod' }))
        .promotionPath,
    ).toEqual(['dev', 'prod']);
  });

  it('reads several chains, the first one as the promotion path', () => {
    const read = readShipyardAnnotations(
      entity({
        'shipyard/promotion': 'dev -> staging -> prod; hotfix -> prod',
        'shipyard/auto-promote': 'hotfix -> prod',
      }),
    );
    expect(read.promotionPath).toEqual(['dev', 'staging', 'prod']);
    expect(read.promotionChains).toEqual([
      ['dev', 'staging', 'prod'],
      ['hotfix', 'prod'],
    ]);
    expect(read.autoPromote).toEqual({ from: 'hotfix', to: 'prod' });
  });

  it.each([
    [
      {
        'shipyard/promotion': 'dev -> staging -> prod',
        'shipyard/auto-promote': 'dev -> prod',
      },
      'shipyard/auto-promote',
      /dev -> prod is not a step/,
    ],
    [
      { 'shipyard/workspaces': 'dev,,prod' },
      'shipyard/workspaces',
      /empty entry/,
    ],
    [
      { 'shipyard/workspaces': 'dev, Prod' },
      'shipyard/workspaces',
      /"Prod" is not a workspace name/,
    ],
    [{ 'shipyard/workspaces': 'dev, dev' }, 'shipyard/workspaces', /twice/],
    [{ 'shipyard/promotion': 'prod' }, 'shipyard/promotion', /at least two/],
    [{ 'shipyard/promotion': 'dev -> dev' }, 'shipyard/promotion', /twice/],
    [
      {
        'shipyard/workspaces': 'dev, prod',
        'shipyard/promotion': 'dev -> qa -> prod',
      },
      'shipyard/promotion',
      /qa, not in shipyard\/workspaces/,
    ],
    [
      { 'shipyard/auto-promote': 'dev -> staging -> prod' },
      'shipyard/auto-promote',
      /exactly two/,
    ],
    [
      {
        'shipyard/promotion': 'dev -> staging -> prod',
        'shipyard/auto-promote': 'prod -> dev',
      },
      'shipyard/auto-promote',
      /not a step/,
    ],
    [
      {
        'shipyard/workspaces': 'dev, prod',
        'shipyard/auto-promote': 'dev -> qa',
      },
      'shipyard/auto-promote',
      /qa/,
    ],
    [
      { 'shipyard/promotion-rules': '{fields:' },
      'shipyard/promotion-rules',
      /must be JSON/,
    ],
    [
      { 'shipyard/promotion-rules': '{"fields":{"image":"nope"}}' },
      'shipyard/promotion-rules',
      /fields.image must be one of/,
    ],
    [
      { 'shipyard/service-name': 'Payments_API' },
      'shipyard/service-name',
      /DNS-1123/,
    ],
    [
      { 'shipyard/service-name': 'a'.repeat(64) },
      'shipyard/service-name',
      /63/,
    ],
  ])('refuses %j, naming %s', (annotations, name, message) => {
    const read = () => readShipyardAnnotations(entity(annotations));
    expect(read).toThrow(InputError);
    expect(read).toThrow(`Invalid annotation ${name}: `);
    expect(read).toThrow(message);
  });

  it('asks for shipyard/service-name when the entity name is not a Kubernetes name', () => {
    expect(() =>
      readShipyardAnnotations(entity({}, 'Payments_Service')),
    ).toThrow(/set the shipyard\/service-name annotation/);
    expect(
      readShipyardAnnotations(
        entity({ 'shipyard/service-name': 'payments' }, 'Payments_Service'),
      ).serviceName,
    ).toBe('payments');
  });
});
