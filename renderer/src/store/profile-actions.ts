/** What the user does with saved connections: the profile editor, delete, import and export. */

import { commandLineToProfile } from '../../../shared/command-line-profile';
import { DeskError } from '../../../shared/errors';
import { checkProfile, newProfileDraft, type ProfileValue } from '../../../shared/profile';
import { describeError, showToast, useAppStore } from './app-store';
import { backend, refresh } from './backend-api';

/** Whether the open editor holds changes that were not saved. */
export function hasUnsavedChanges(): boolean {
  const draft = useAppStore.getState().draft;
  return draft !== undefined && JSON.stringify(draft.value) !== JSON.stringify(draft.original);
}

/** Asks before throwing away unsaved edits; true when it is fine to leave the editor. */
export function mayLeaveEditor(): boolean {
  return !hasUnsavedChanges() || window.confirm('Discard the unsaved changes to this connection?');
}

/** Opens the editor on a new profile. */
export function startNewProfile(): void {
  if (!mayLeaveEditor()) return;
  const value = newProfileDraft();
  useAppStore.setState({ draft: { value, errors: {}, original: value }, brokerOpen: false });
}

/**
 * Opens the editor on the profile a pasted mosquitto_pub / mosquitto_sub / mosquitto_rr line
 * describes (a sub line's filters become its subscriptions), to be checked and saved.
 * Returns why the line does not read, or the notes on what did not carry over.
 */
export function profileFromCommandLine(text: string): { reason: string } | { warnings: string[] } {
  const result = commandLineToProfile(text);
  if (!result.ok) return { reason: result.reason };
  if (!mayLeaveEditor()) return { warnings: [] };
  const check = checkProfile(result.profile);
  const value = check.ok ? check.profile : ({ ...newProfileDraft(), ...result.profile } as ProfileValue);
  // The blank draft as the original: the imported profile counts as unsaved until saved.
  useAppStore.setState({ draft: { value, errors: check.ok ? {} : check.fields, original: newProfileDraft() }, brokerOpen: false });
  return { warnings: result.warnings };
}

/** Opens the editor on a copy of a saved profile (a new one once saved). */
export function duplicateProfile(id: string): void {
  const profile = useAppStore.getState().profiles.find((p) => p.id === id);
  if (!profile || !mayLeaveEditor()) return;
  const { id: _id, ...rest } = profile;
  const value = { ...rest, name: `${profile.name} (copy)` };
  useAppStore.setState({ draft: { value, errors: {}, original: value }, brokerOpen: false });
}

/** Opens the editor on a saved profile. */
export function editProfile(id: string): void {
  const profile = useAppStore.getState().profiles.find((p) => p.id === id);
  if (profile && mayLeaveEditor()) useAppStore.setState({ draft: { value: { ...profile }, errors: {}, original: { ...profile } } });
}

/**
 * Changes part of the draft and re-checks it: errors already shown update or clear as the
 * user types, and the section being edited shows its new errors; others wait for Save.
 */
export function updateDraft(patch: Partial<ProfileValue>): void {
  const draft = useAppStore.getState().draft;
  if (!draft) return;
  const value = { ...draft.value, ...patch };
  const check = checkProfile(value);
  const touched = (field: string) => field in draft.errors || (field.split('.')[0] ?? '') in patch;
  const errors = check.ok ? {} : Object.fromEntries(Object.entries(check.fields).filter(([field]) => touched(field)));
  useAppStore.setState({ draft: { ...draft, value, errors } });
}

/** Closes the editor without saving (after asking, when there are changes). */
export function cancelDraft(): void {
  if (mayLeaveEditor()) useAppStore.setState({ draft: undefined });
}

/** Validates and saves the draft; field errors stay in the form. */
export async function saveDraft(): Promise<void> {
  const draft = useAppStore.getState().draft;
  if (!draft) return;
  const check = checkProfile(draft.value);
  if (!check.ok) {
    useAppStore.setState({ draft: { ...draft, errors: check.fields } });
    return;
  }
  try {
    const saved = await backend().call('profiles.save', { profile: draft.value });
    useAppStore.setState((s) => {
      const exists = s.profiles.some((p) => p.id === saved.id);
      return {
        profiles: exists ? s.profiles.map((p) => (p.id === saved.id ? saved : p)) : [...s.profiles, saved],
        selectedProfileId: saved.id,
        selectedCaptureId: undefined,
        draft: undefined,
      };
    });
  } catch (error) {
    if (error instanceof DeskError && error.fields) {
      useAppStore.setState({ draft: { ...draft, errors: error.fields } });
    } else {
      showToast(describeError(error));
    }
  }
}

/** Deletes a profile. */
export async function deleteProfile(id: string): Promise<void> {
  try {
    await backend().call('profiles.delete', { id });
    useAppStore.setState((s) => ({
      profiles: s.profiles.filter((p) => p.id !== id),
      selectedProfileId: s.selectedProfileId === id ? undefined : s.selectedProfileId,
    }));
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Selects a profile in the sidebar. */
export function selectProfile(id: string): void {
  if (mayLeaveEditor()) useAppStore.setState({ selectedProfileId: id, selectedCaptureId: undefined, draft: undefined, brokerOpen: false });
}

/** Imports profiles from an MQTT Desk or MQTTX export file's text; reports what was skipped. */
export async function importProfiles(json: string): Promise<void> {
  try {
    const result = await backend().call('profiles.import', { json });
    const from = result.source === 'mqttx' ? 'MQTTX' : 'MQTT Desk';
    const skipped = result.skipped.map((s) => `${s.name} (${s.reason})`).join('; ');
    showToast(`Imported ${result.imported.length} connection(s) from ${from}.${skipped ? ` Skipped: ${skipped}` : ''}`, result.skipped.length ? 'error' : 'info');
    await refresh();
  } catch (error) {
    showToast(describeError(error));
  }
}

/** Exports every profile (without secrets) and hands the JSON to `save`. */
export async function exportProfiles(save: (json: string) => void): Promise<void> {
  try {
    const { json } = await backend().call('profiles.export', {});
    save(json);
  } catch (error) {
    showToast(describeError(error));
  }
}
