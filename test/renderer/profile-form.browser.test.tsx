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
