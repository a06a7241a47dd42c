import {
  defaultPromotionRules,
  planPromotion,
  type ServiceSpec,
} from '@shipyard/backstage-plugin-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  ENTITY_REF,
  mockShipyardApi,
  renderForEntity,
  state,
  version,
  workspace,
} from '../../__testUtils__/fixtures';
import { EntityPromoteContent } from './EntityPromoteContent';

const HOST = 'ports[0].expose.host';
const dev5 = version(5, { workspace: 'dev' });

const exposed: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.7.0',
  ports: [
    {
      name: 'http',
      port: 8080,
      expose: { host: 'payments.dev.example.com', path: '/', tls: true },
    },
  ],
};

/** dev runs an exposed service and staging is empty: the first promotion, planned by the shared planner. */
function firstPromotionApi(staging = workspace('staging'), source = exposed) {
  const planned = planPromotion({
    service: ENTITY_REF,
    source: { workspace: workspace('dev'), version: 5, spec: source },
    target: { workspace: staging },
    rules: defaultPromotionRules,
  });
  return mockShipyardApi({
    getServiceWorkspaces: jest
      .fn()
      .mockResolvedValue([
        state('dev', { currentVersion: dev5, latestVersion: dev5 }),
        state('staging', { workspace: staging }),
        state('prod'),
      ]),
    planPromotion: jest.fn().mockResolvedValue(planned),
  });
}

async function hostInput(path = HOST) {
  const group = await screen.findByRole('group', {
    name: `${path} in staging`,
  });
  return within(group).getByRole('textbox', { name: path });
}

describe('EntityPromoteContent: needs-input changes outside env', () => {
  it('asks for the host of an exposed port on a first promotion and sends it in inputs.values by its path', async () => {
    const api = firstPromotionApi();
    api.promote.mockResolvedValue(version(1, { workspace: 'staging' }));
    await renderForEntity(<EntityPromoteContent />, api);
    const input = await hostInput();
    const promote = screen.getByRole('button', { name: 'Promote to staging' });
    expect(promote).toBeDisabled();
    expect(screen.getByTestId(`value-input-${HOST}`)).toHaveTextContent(
      'payments.dev.example.com',
    );
    expect(screen.getByRole('list', { name: 'Blockers' })).toHaveTextContent(
      `${HOST} needs a value for staging`,
    );
    expect(
      screen.getByText(/1 blocker remains: give the values/),
    ).toBeInTheDocument();

    // Blank is refused on the field itself.
    await userEvent.type(input, '   ');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(
      screen.getByText('Only spaces: give the value it should have'),
    ).toBeInTheDocument();
    expect(promote).toBeDisabled();

    // Not a DNS name: the shared spec schema's message, and still blocked.
    await userEvent.clear(input);
    await userEvent.type(input, 'Not A Host');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId(`value-input-${HOST}`)).toHaveTextContent(
      /must be a host name: must be a DNS-1123 subdomain/,
    );
    expect(screen.getByRole('list', { name: 'Blockers' })).toHaveTextContent(
      /your value: must be a host name/,
    );
    expect(promote).toBeDisabled();

    await userEvent.clear(input);
    await userEvent.type(input, 'payments.staging.example.com');
    expect(input).toHaveAttribute('aria-invalid', 'false');
    expect(screen.getByRole('list', { name: 'Blockers' })).toHaveTextContent(
      'resolved by your input',
    );
    expect(
      screen.getByRole('region', {
        name: 'Review before promoting to staging',
      }),
    ).toHaveTextContent(
      `${HOST} gets a value of its own in staging: "payments.staging.example.com"`,
    );
    expect(promote).toBeEnabled();
    await userEvent.click(promote);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(ENTITY_REF, {
        source: 'dev',
        target: 'staging',
        planHash: expect.any(String),
        inputs: { values: { [HOST]: 'payments.staging.example.com' } },
      }),
    );
    // Env keys stay in inputs.env: none is asked here, so none is sent.
    expect(api.promote.mock.calls[0][1].inputs).not.toHaveProperty('env');
    expect(await screen.findByText(/created staging v1/)).toBeInTheDocument();
  });

  it('sends the host with the promotion request where the target needs approvals', async () => {
    const api = firstPromotionApi(
      workspace('staging', { approval: { required: 1 } }),
    );
    api.requestPromotion.mockResolvedValue({
      id: 'r1',
      service: ENTITY_REF,
      source: 'dev',
      target: 'staging',
      sourceVersion: 5,
      status: 'pending',
      required: 1,
      approvals: [],
      requestedBy: 'user:default/guest',
      requestedAt: new Date().toISOString(),
    });
    await renderForEntity(<EntityPromoteContent />, api);
    const input = await hostInput();
    const submit = screen.getByRole('button', {
      name: 'Request promotion to staging',
    });
    expect(submit).toBeDisabled();
    await userEvent.type(input, 'payments.staging.example.com');
    expect(submit).toBeEnabled();
    await userEvent.click(submit);
    await waitFor(() =>
      expect(api.requestPromotion).toHaveBeenCalledWith(
        ENTITY_REF,
        expect.objectContaining({
          planHash: expect.any(String),
          inputs: { values: { [HOST]: 'payments.staging.example.com' } },
        }),
      ),
    );
  });

  it('refuses a host that makes two ports expose one route, on the field of the port that clashes', async () => {
    const second = 'ports[1].expose.host';
    const api = firstPromotionApi(workspace('staging'), {
      ...exposed,
      ports: [
        ...exposed.ports!,
        {
          name: 'admin',
          port: 9000,
          expose: { host: 'admin.dev.example.com', path: '/' },
        },
      ],
    });
    api.promote.mockResolvedValue(version(1, { workspace: 'staging' }));
    await renderForEntity(<EntityPromoteContent />, api);
    const first = await hostInput();
    const other = await hostInput(second);
    const promote = screen.getByRole('button', { name: 'Promote to staging' });
    await userEvent.type(first, 'payments.staging.example.com');
    await userEvent.type(other, 'payments.staging.example.com');
    expect(other).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByTestId(`value-input-${second}`)).toHaveTextContent(
      'ports[1].expose: payments.staging.example.com/ is already exposed by ports[0]',
    );
    expect(screen.getByText(/1 blocker remains/)).toBeInTheDocument();
    expect(promote).toBeDisabled();
    await userEvent.clear(other);
    await userEvent.type(other, 'admin.staging.example.com');
    expect(promote).toBeEnabled();
    await userEvent.click(promote);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        ENTITY_REF,
        expect.objectContaining({
          inputs: {
            values: {
              [HOST]: 'payments.staging.example.com',
              [second]: 'admin.staging.example.com',
            },
          },
        }),
      ),
    );
  });

  it('sends env keys in inputs.env and the host in inputs.values when a later promotion needs both', async () => {
    const staging3 = version(3, { workspace: 'staging' });
    const planned = planPromotion({
      service: ENTITY_REF,
      source: {
        workspace: workspace('dev'),
        version: 5,
        spec: { ...exposed, env: { LOG_LEVEL: 'debug', FEATURE_FLAG: 'on' } },
      },
      target: {
        workspace: workspace('staging'),
        version: 3,
        spec: {
          image: 'ghcr.io/acme/payments:1.6.0',
          ports: [{ name: 'http', port: 8080 }],
          env: { LOG_LEVEL: 'info' },
        },
      },
      rules: defaultPromotionRules,
    });
    expect(planned.blockers.map(b => [b.code, b.path]).sort()).toEqual([
      ['env-needs-input', 'env.FEATURE_FLAG'],
      ['field-needs-input', HOST],
    ]);
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn().mockResolvedValue([
        state('dev', { currentVersion: dev5, latestVersion: dev5 }),
        state('staging', {
          currentVersion: staging3,
          latestVersion: staging3,
        }),
        state('prod'),
      ]),
      planPromotion: jest.fn().mockResolvedValue(planned),
    });
    api.promote.mockResolvedValue(version(4, { workspace: 'staging' }));
    await renderForEntity(<EntityPromoteContent />, api);
    await userEvent.type(await hostInput(), 'payments.staging.example.com');
    const promote = screen.getByRole('button', { name: 'Promote to staging' });
    expect(screen.getByText(/1 blocker remains/)).toBeInTheDocument();
    expect(promote).toBeDisabled();
    await userEvent.type(
      within(
        screen.getByRole('group', { name: /FEATURE_FLAG in staging/ }),
      ).getByRole('textbox', { name: 'Value' }),
      'off',
    );
    expect(promote).toBeEnabled();
    await userEvent.click(promote);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        ENTITY_REF,
        expect.objectContaining({
          inputs: {
            env: { FEATURE_FLAG: 'off' },
            values: { [HOST]: 'payments.staging.example.com' },
          },
        }),
      ),
    );
  });
});
