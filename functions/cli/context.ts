/**
 * What every CLI command shares: the target (embedded stack or AWS), services for it,
 * progress and message output. Each command lives in `commands/<name>.ts` and registers
 * itself on the program with `register(program, cli)`.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import { bootstrapStores } from '../adapters/bootstrap.ts';
import { parsePeriod } from '../core/periods.ts';
import type { InputFile } from '../app/ingest.ts';
import type { PublishDeps } from '../app/publish.ts';
import { createServices, publishDepsOf, type Services } from '../wiring/services.ts';
import { startLocalStack, type LocalStack } from '../local/stack.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface GlobalOptions {
  target: 'local' | 'aws';
  stateDir: string;
  quiet?: boolean;
}

export interface Cli {
  root: string;
  options(): GlobalOptions;
  /** Runs `fn` with services for the chosen target, starting and stopping the local stack. */
  withServices<T>(fn: (s: Services, stack?: LocalStack) => Promise<T>): Promise<T>;
  /** A message for people (stderr), silenced by --quiet. Results go to stdout. */
  info(message: string): void;
  publishDeps(s: Services, workDir?: string): PublishDeps;
}

export function createCli(program: Command): Cli {
  const options = () => program.opts<GlobalOptions>();
  const info = (msg: string) => {
    if (!options().quiet) process.stderr.write(`${msg}\n`);
  };
  return {
    root: ROOT,
    options,
    info,
    async withServices(fn) {
      const opts = options();
      let stack: LocalStack | undefined;
      if (opts.target === 'local') {
        stack = await startLocalStack({ stateDir: resolve(opts.stateDir) });
        Object.assign(process.env, stack.env);
      }
      let services: Services | undefined;
      try {
        services = createServices(loadConfig(process.env));
        if (stack) await bootstrapStores(services.config, services.clients);
        return await fn(services, stack);
      } finally {
        await services?.close();
        await stack?.stop();
      }
    },
    publishDeps(s, workDir = join(ROOT, '.local', 'work')) {
      return publishDepsOf(s, { workDir, log: info });
    },
  };
}

/** commander parser for a period option. */
export function periodArg(value: string): string {
  if (!parsePeriod(value)) throw new InvalidArgumentError('expected 2024, 2024-Q3 or 2024-10');
  return value;
}

export async function readInputs(paths: string[]): Promise<InputFile[]> {
  return Promise.all(
    paths.map(async (p) => ({ name: p, bytes: new Uint8Array(await readFile(p)) })),
  );
}
