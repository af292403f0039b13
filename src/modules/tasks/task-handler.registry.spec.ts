import { DuplicateTaskHandlerError } from './errors/duplicate-task-handler.error';
import { InvalidTaskHandlerError } from './errors/invalid-task-handler.error';
import { MissingTaskHandlerError } from './errors/missing-task-handler.error';
import { TaskHandlerRegistry } from './task-handler.registry';

describe('TaskHandlerRegistry', () => {
  const handler = { handle: async () => 1 };

  it('registers event-loop and worker handlers', () => {
    const registry = new TaskHandlerRegistry();
    registry.register({ taskType: 'a', executor: 'event-loop' }, handler, 'AHandler');
    registry.register({ taskType: 'b', executor: 'worker', file: '/x/b.worker' }, {}, 'BHandler');
    expect(registry.types('event-loop')).toEqual(['a']);
    expect(registry.types('worker')).toEqual(['b']);
    expect(registry.get('b')?.file).toBe('/x/b.worker');
  });

  it('refuses a second handler for a type, naming both', () => {
    const registry = new TaskHandlerRegistry();
    registry.register({ taskType: 'a', executor: 'event-loop' }, handler, 'First');
    expect(() => registry.register({ taskType: 'a', executor: 'event-loop' }, handler, 'Second')).toThrow(DuplicateTaskHandlerError);
    expect(() => registry.register({ taskType: 'a', executor: 'event-loop' }, handler, 'Second')).toThrow(/First and Second/);
  });

  it('refuses handlers it could not run', () => {
    const registry = new TaskHandlerRegistry();
    expect(() => registry.register({ taskType: 'a', executor: 'event-loop' }, {}, 'NoHandle')).toThrow(InvalidTaskHandlerError);
    expect(() => registry.register({ taskType: 'b', executor: 'worker' }, {}, 'NoFile')).toThrow(/option `file`/);
    expect(() => registry.register({ taskType: 'bad type', executor: 'event-loop' }, handler, 'BadName')).toThrow(/a task type is/);
  });

  it('reports required types without a handler', () => {
    const registry = new TaskHandlerRegistry();
    registry.register({ taskType: 'a', executor: 'event-loop' }, handler, 'A');
    expect(() => registry.assertRegistered(['a'])).not.toThrow();
    expect(() => registry.assertRegistered(['a', 'b', 'c'])).toThrow(MissingTaskHandlerError);
    expect(() => registry.assertRegistered(['a', 'b', 'c'])).toThrow(/"b", "c"/);
  });
});
