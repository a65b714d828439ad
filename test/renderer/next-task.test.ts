import { describe, expect, it } from 'vitest';
import { nextTask, yieldToPage } from '../../renderer/src/store/next-task';

describe('nextTask', () => {
  it('runs the callback in a task of its own, after the current task and its microtasks', async () => {
    const order: string[] = [];
    nextTask(() => order.push('task'));
    void Promise.resolve().then(() => order.push('microtask'));
    order.push('sync');
    await yieldToPage();
    expect(order).toEqual(['sync', 'microtask', 'task']);
  });
});
