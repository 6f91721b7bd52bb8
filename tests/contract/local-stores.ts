/**
 * The real local servers (dynalite + s3rver) the adapters' contract suites run against: one
 * stack per test file, started by the suite's `beforeAll` through the factory and stopped by
 * its `afterAll`.
 */
import { startTestStores, type TestStores } from '#tests/support/stores.ts';

/** A port built on a fresh local stack, and how to stop that stack. */
export interface Subject<T> {
  port: T;
  stop(): Promise<void>;
}

/** A unique name per test, so tests sharing one table never see each other's items. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Starts the local stack and builds one port on it. */
export async function onLocalStores<T>(build: (s: TestStores) => T): Promise<Subject<T>> {
  const stores = await startTestStores();
  return { port: build(stores), stop: () => stores.stop() };
}
