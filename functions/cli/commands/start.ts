import type { Command } from 'commander';
import type { Cli } from '../context.ts';
import { generateBulletin, printOutcome } from './generate.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('start')
    .description('bootstrap, load data/ when the store is empty, and publish the current bulletin')
    .action(() =>
      cli.withServices(async (s) => printOutcome(cli, s, await generateBulletin(cli, s, {})), {
        seedIfEmpty: true,
      }),
    );
}
