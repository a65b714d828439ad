/**
 * The profile editor as a component, rendered in Chromium: field errors appear next to
 * their fields as the user types and clear when fixed; sections follow protocol and version.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import { page } from 'vitest/browser';
import { ProfileForm } from '../../renderer/src/components/profile-form';
import { startNewProfile } from '../../renderer/src/store/profile-actions';
import { useAppStore } from '../../renderer/src/store/app-store';

afterEach(() => useAppStore.setState({ draft: undefined }));

describe('ProfileForm', () => {
  it('shows a port error beside the port field while typing, and clears it when fixed', async () => {
    startNewProfile();
    const screen = await render(<ProfileForm />);
    const port = screen.getByLabelText('Port', { exact: true });
    await port.fill('70000');
    await expect.element(screen.getByText('Port must be between 1 and 65535')).toBeVisible();
    await expect.element(port).toHaveAttribute('aria-invalid', 'true');
    await port.fill('1884');
    await expect.element(screen.getByText('Port must be between 1 and 65535')).not.toBeInTheDocument();
    expect(useAppStore.getState().draft?.value.port).toBe(1884);
  });

  it('follows the protocol: default port, WebSocket path and TLS section', async () => {
    startNewProfile();
    const screen = await render(<ProfileForm />);
    await expect.element(screen.getByRole('group', { name: 'TLS' })).not.toBeInTheDocument();
    await screen.getByLabelText('Protocol').selectOptions('wss');
    await expect.element(screen.getByLabelText('Port', { exact: true })).toHaveValue('8084');
    await expect.element(screen.getByLabelText('Path')).toHaveValue('/mqtt');
    await expect.element(screen.getByRole('group', { name: 'TLS' })).toBeVisible();
  });

  it('keeps the TLS key log off by default and says plainly what turning it on does', async () => {
    startNewProfile();
    const screen = await render(<ProfileForm />);
    await screen.getByLabelText('Protocol').selectOptions('mqtts');
    const field = screen.getByLabelText('TLS key log file');
    await expect.element(field).toHaveValue('');
    await expect.element(screen.getByRole('note', { name: 'About the TLS key log' })).toHaveTextContent(/^Off\./);
    await field.fill('keys.log');
    await expect.element(screen.getByText('TLS key log file must be an absolute path, e.g. /home/me/mqtt-keys.log')).toBeVisible();
    await field.fill('/tmp/mqtt-keys.log');
    await expect.element(screen.getByText(/must be an absolute path/)).not.toBeInTheDocument();
    await expect.element(screen.getByRole('note', { name: 'About the TLS key log' })).toHaveTextContent(/anyone who has the file can decrypt the traffic/);
    expect(useAppStore.getState().draft?.value.tls.keylogFile).toBe('/tmp/mqtt-keys.log');
  });

  it('shows MQTT 5 settings and the Clean start wording only for 5.0', async () => {
    startNewProfile();
    const screen = await render(<ProfileForm />);
    await expect.element(screen.getByText('Clean session')).toBeVisible();
    await screen.getByLabelText('MQTT version').selectOptions('5.0');
    await expect.element(screen.getByText('Clean start')).toBeVisible();
    await expect.element(screen.getByRole('group', { name: 'MQTT 5' })).toBeVisible();
    await expect.element(page.getByLabelText('Receive maximum')).toBeVisible();
  });
});
