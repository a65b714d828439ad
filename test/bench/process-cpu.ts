/**
 * CPU time per process of a bench run, from /proc: which of the parts (publisher, broker,
 * the bench process holding the backend, the browser) used the machine, so a run that fell
 * behind says who was short of CPU. Linux only; elsewhere every figure reads 0.
 */

import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on Linux). */
const TICKS = 100;

/** utime + stime of one process, in seconds; 0 when it is gone. */
function processCpu(pid: number): number {
  try {
    // The command name may hold spaces and parentheses: fields count from the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

/** Every live process below `root` (children, grandchildren…), from the parent links in /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(parent) ?? [];
      list.push(Number(entry));
      children.set(parent, list);
    } catch {
      // Gone between the listing and the read.
    }
  }
  const out: number[] = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Named groups of processes: each a function returning its current pids. */
export type ProcessGroups = Record<string, () => number[]>;

/** CPU seconds per group between start and `read()`, plus the machine's busy share then. */
export interface CpuWatch {
  /** Per group: CPU seconds used since the start, and that as a share of one core over the wall time. */
  read(): { wallSeconds: number; groups: Array<{ name: string; seconds: number; cores: number }>; machineBusy: number };
}

function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/**
 * Starts watching the groups. A group's processes are looked up again at each sample (once
 * a second) so processes that start later (a publisher, a browser's renderers) are counted
 * from their start, and a process's last reading is kept after it exits.
 */
export function watchCpu(groups: ProcessGroups): CpuWatch & { stop(): void } {
  const start = new Map<number, number>();
  const last = new Map<number, number>();
  const owner = new Map<number, string>();
  let first = true;
  const sample = () => {
    for (const [name, pids] of Object.entries(groups)) {
      for (const pid of pids()) {
        if (!owner.has(pid)) {
          owner.set(pid, name);
          // A process that started after the watch counts from nothing.
          start.set(pid, first ? processCpu(pid) : 0);
        }
        const now = processCpu(pid);
        if (now > 0) last.set(pid, now);
      }
    }
    first = false;
  };
  const began = performance.now();
  const machineBefore = machineTimes();
  sample();
  const timer = setInterval(sample, 1000);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    read() {
      sample();
      const wallSeconds = (performance.now() - began) / 1000;
      const seconds = new Map<string, number>();
      for (const [pid, name] of owner) seconds.set(name, (seconds.get(name) ?? 0) + Math.max(0, (last.get(pid) ?? 0) - (start.get(pid) ?? 0)));
      const machineAfter = machineTimes();
      const total = machineAfter.total - machineBefore.total;
      const machineBusy = total > 0 ? 1 - (machineAfter.idle - machineBefore.idle) / total : 0;
      return { wallSeconds, machineBusy, groups: Object.keys(groups).map((name) => ({ name, seconds: seconds.get(name) ?? 0, cores: (seconds.get(name) ?? 0) / wallSeconds })) };
    },
  };
}
