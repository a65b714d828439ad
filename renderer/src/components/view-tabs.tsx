import type { ReactNode } from 'react';
import { useAppStore, type ViewTab } from '../store/app-store';

const LABELS: Record<ViewTab, string> = { messages: 'Messages', topics: 'Topics', sparkplug: 'Sparkplug', packets: 'Packets', flows: 'Flows' };

/** Selects the tab shown for a connection (kept per connection, so "Show in Packets" can switch it). */
export function selectTab(connectionId: string, tab: ViewTab): void {
  useAppStore.setState((s) => ({ viewTabs: { ...s.viewTabs, [connectionId]: tab } }));
}

/** The tab strip of a connection's workspace; `children` (such as the message totals) follow the tabs. */
export function ViewTabs({ connectionId, tabs, current, children }: { connectionId: string; tabs: readonly ViewTab[]; current: ViewTab; children?: ReactNode }) {
  return (
    <div role="tablist" aria-label="Views" className="tabs">
      {tabs.map((tab) => (
        <button key={tab} type="button" role="tab" aria-selected={current === tab} onClick={() => selectTab(connectionId, tab)}>
          {LABELS[tab]}
        </button>
      ))}
      {children}
    </div>
  );
}
