import {
  PostaGuverciniSimulator,
  type PostaGuverciniSimulatorOptions,
} from '../../lib/testing/index.js';

/**
 * A provider simulator for the enclosing `describe`: started before its tests, stopped after
 * them. Call it in the `describe` body: `const sim = simulatorForSuite();`.
 */
export function simulatorForSuite(
  options?: PostaGuverciniSimulatorOptions,
): PostaGuverciniSimulator {
  const sim = new PostaGuverciniSimulator(options);
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  return sim;
}
