/**
 * Light and dark themes: the user's choice ('system' follows the OS), kept in localStorage,
 * applied as `data-theme` on the root element and to Monaco.
 */

import { useSyncExternalStore } from 'react';

/** What the user can choose. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'mqtt-desk.theme';
const listeners = new Set<() => void>();
const media = typeof window !== 'undefined' ? window.matchMedia?.('(prefers-color-scheme: dark)') : undefined;

/** The stored choice. */
export function themeChoice(): ThemeChoice {
  const stored = localStorage.getItem(KEY);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

/** The theme in effect now. */
export function effectiveTheme(): 'light' | 'dark' {
  const choice = themeChoice();
  if (choice !== 'system') return choice;
  return media?.matches ? 'dark' : 'light';
}

/** Stores a choice and applies it. */
export function setThemeChoice(choice: ThemeChoice): void {
  localStorage.setItem(KEY, choice);
  applyTheme();
}

/** Applies the effective theme to the document and tells subscribers (Monaco, the picker). */
export function applyTheme(): void {
  document.documentElement.dataset.theme = effectiveTheme();
  for (const listener of listeners) listener();
}

media?.addEventListener('change', applyTheme);

/** React hook: the effective theme, re-rendering on change. */
export function useTheme(): 'light' | 'dark' {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    effectiveTheme,
  );
}

/** React hook: the stored choice, re-rendering on change. */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    themeChoice,
  );
}
