import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  mockShipyardApi,
  renderForEntity,
  version,
  ENTITY_REF,
} from '../../__testUtils__/fixtures';
import { specEditorText } from '../../__testUtils__/specEditor';
import { EditDeployDialog } from './EditDeployDialog';
import { joinImage, splitImage } from './SpecForm';

describe('splitImage', () => {
  it.each([
    ['ghcr.io/acme/payments:1.4.2', 'ghcr.io/acme/payments', '1.4.2', ''],
    ['localhost:5000/payments', 'localhost:5000/payments', '', ''],
    [
      'localhost:5000/payments:2@sha256:abc',
      'localhost:5000/payments',
      '2',
      'sha256:abc',
    ],
  ])('splits %s and joins it back', (image, repository, tag, digest) => {
    expect(splitImage(image)).toEqual({ repository, tag, digest });
    expect(joinImage(splitImage(image))).toBe(image);
  });
});

describe('EditDeployDialog with the form', () => {
  async function openForm() {
    const current = version(3);
    const api = mockShipyardApi({
      deploy: jest.fn().mockResolvedValue(version(4)),
    });
    const onDeployed = jest.fn();
    await renderForEntity(
      <EditDeployDialog
        entityRef={ENTITY_REF}
        serviceName="payments"
        workspace="dev"
        current={current}
        onClose={() => {}}
        onDeployed={onDeployed}
      />,
      api,
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Edit and deploy to dev',
    });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Form' }));
    const form = within(dialog).getByRole('group', { name: 'Spec form' });
    const yaml = () =>
      specEditorText(
        within(dialog).getByRole('textbox', {
          name: 'Spec (YAML)',
          hidden: true,
        }),
      );
    const changesTable = () =>
      within(dialog).getByRole('table', { name: 'What this deploy changes' });
    const deploy = () =>
      userEvent.click(
        within(dialog).getByRole('button', { name: 'Deploy to dev' }),
      );
    return { api, dialog, form, yaml, onDeployed, changesTable, deploy };
  }

  it('edits the image tag and an env var in the form; the YAML and the diff follow, and it deploys that spec', async () => {
    const { api, form, yaml, onDeployed, changesTable, deploy } =
      await openForm();
    const tag = within(form).getByRole('textbox', { name: 'Tag' });
    expect(tag).toHaveValue('1.3.0');
    await userEvent.clear(tag);
    await userEvent.type(tag, '2.0.0');
    expect(yaml()).toContain('image: ghcr.io/acme/payments:2.0.0');

    const logLevel = within(form).getByRole('group', {
      name: 'Env var LOG_LEVEL',
    });
    const value = within(logLevel).getByRole('textbox', { name: 'Value' });
    await userEvent.clear(value);
    await userEvent.type(value, 'debug');
    expect(yaml()).toMatch(/env:\n {2}LOG_LEVEL: debug/);

    const changes = changesTable();
    expect(changes).toHaveTextContent('image');
    expect(changes).toHaveTextContent('ghcr.io/acme/payments:2.0.0');
    expect(changes).toHaveTextContent('env.LOG_LEVEL');

    await deploy();
    expect(api.deploy).toHaveBeenCalledWith(
      ENTITY_REF,
      'dev',
      expect.objectContaining({
        spec: expect.objectContaining({
          image: 'ghcr.io/acme/payments:2.0.0',
          env: { LOG_LEVEL: 'debug' },
        }),
        expectedCurrentVersion: 3,
        origin: 'edit',
      }),
    );
    expect(onDeployed).toHaveBeenCalled();
  });

  it('shows the schema error at its field and nudges a secret-looking literal to a Secret', async () => {
    const { dialog, form, yaml } = await openForm();
    const replicas = within(form).getByRole('textbox', { name: 'Replicas' });
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '-1');
    expect(within(form).getByText('must be >= 0')).toBeInTheDocument();
    expect(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    ).toBeDisabled();
    await userEvent.clear(replicas);
    await userEvent.type(replicas, '3');
    expect(yaml()).toContain('replicas: 3');

    await userEvent.click(
      within(form).getByRole('button', { name: 'Add variable' }),
    );
    const added = within(form).getByRole('group', { name: 'Env var NEW_VAR' });
    const name = within(added).getByRole('textbox', { name: 'Name' });
    fireEvent.change(name, { target: { value: 'DB_PASSWORD' } });
    const secretRow = within(form).getByRole('group', {
      name: 'Env var DB_PASSWORD',
    });
    expect(secretRow).toHaveTextContent(
      'DB_PASSWORD looks like a secret: read it from a Secret',
    );
    await userEvent.click(
      within(secretRow).getByRole('button', { name: 'Use a Secret' }),
    );
    expect(
      within(
        within(form).getByRole('group', { name: 'Env var DB_PASSWORD' }),
      ).getByRole('textbox', { name: 'Key' }),
    ).toHaveValue('db_password');
    expect(yaml()).toMatch(/DB_PASSWORD:\n\s+secretKeyRef:/);
  });

  it('sets a GPU limit and an exposed host', async () => {
    const { form, yaml } = await openForm();
    await userEvent.type(
      within(form).getByRole('textbox', { name: 'GPUs (nvidia.com/gpu)' }),
      '1',
    );
    expect(yaml()).toMatch(/limits:\n\s+nvidia.com\/gpu: "1"/);
    await userEvent.type(
      within(form).getByRole('textbox', { name: 'Exposed at host (http)' }),
      'payments.dev.example.com',
    );
    expect(yaml()).toMatch(/expose:\n\s+host: payments.dev.example.com/);
  });

  it('adds a mount in the form; the YAML and the diff follow, and it deploys that spec', async () => {
    const { api, form, yaml, changesTable, deploy } = await openForm();
    await userEvent.click(
      within(form).getByRole('button', { name: 'Add mount' }),
    );
    const mount = within(form).getByRole('group', { name: 'Mount 1' });
    const path = within(mount).getByRole('textbox', { name: 'Path' });
    await userEvent.clear(path);
    await userEvent.type(path, '/etc/payments');
    await userEvent.click(
      within(mount).getByRole('button', { name: /Source/ }),
    );
    await userEvent.click(screen.getByRole('option', { name: 'ConfigMap' }));
    await userEvent.type(
      within(mount).getByRole('textbox', { name: 'Name' }),
      'payments-config',
    );
    expect(yaml()).toMatch(
      /mounts:\n {2}- path: \/etc\/payments\n {4}configMap: payments-config/,
    );
    expect(
      within(mount).getByRole('checkbox', { name: 'Read-only' }),
    ).toBeChecked();
    const changes = changesTable();
    expect(changes).toHaveTextContent('mounts');
    expect(changes).toHaveTextContent('payments-config');

    await deploy();
    expect(api.deploy).toHaveBeenCalledWith(
      ENTITY_REF,
      'dev',
      expect.objectContaining({
        spec: expect.objectContaining({
          mounts: [{ path: '/etc/payments', configMap: 'payments-config' }],
        }),
      }),
    );
  });

  it("shows the schema's error at an invalid mount path and blocks the deploy", async () => {
    const { dialog, form } = await openForm();
    await userEvent.click(
      within(form).getByRole('button', { name: 'Add mount' }),
    );
    const mount = within(form).getByRole('group', { name: 'Mount 1' });
    const path = within(mount).getByRole('textbox', { name: 'Path' });
    await userEvent.clear(path);
    await userEvent.type(path, 'data');
    expect(path).toHaveAttribute('aria-invalid', 'true');
    expect(mount).toHaveTextContent('must be an absolute path');
    expect(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    ).toBeDisabled();
    await userEvent.type(
      within(mount).getByRole('textbox', { name: 'Size limit' }),
      'lots',
    );
    expect(
      within(mount).getByRole('textbox', { name: 'Size limit' }),
    ).toHaveAttribute('aria-invalid', 'true');
  });

  it('adds a port and removes one; the YAML and the diff follow', async () => {
    const { form, yaml, changesTable } = await openForm();
    await userEvent.click(
      within(form).getByRole('button', { name: 'Add port' }),
    );
    const added = within(form).getByRole('group', { name: 'Port port-2' });
    const number = within(added).getByRole('textbox', { name: 'Port' });
    await userEvent.clear(number);
    await userEvent.type(number, '9090');
    expect(yaml()).toMatch(/- name: port-2\n {4}port: 9090/);

    await userEvent.click(
      within(form).getByRole('button', { name: 'Remove port http' }),
    );
    expect(within(form).queryByRole('group', { name: 'Port http' })).toBeNull();
    expect(yaml()).not.toContain('name: http');
    expect(yaml()).toMatch(/ports:\n {2}- name: port-2\n {4}port: 9090/);
    expect(changesTable()).toHaveTextContent('ports');
  });

  it('reads a whole ConfigMap as env', async () => {
    const { form, yaml } = await openForm();
    await userEvent.click(
      within(form).getByRole('button', { name: 'Add Secret or ConfigMap' }),
    );
    const source = within(form).getByRole('group', { name: 'Env from 1' });
    await userEvent.click(within(source).getByRole('button', { name: /From/ }));
    await userEvent.click(screen.getByRole('option', { name: 'ConfigMap' }));
    await userEvent.type(
      within(source).getByRole('textbox', { name: 'Name' }),
      'payments-env',
    );
    expect(yaml()).toMatch(/envFrom:\n {2}- configMap: payments-env/);
  });
});
