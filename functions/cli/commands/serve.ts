import { InvalidArgumentError, type Command } from 'commander';
import { loadLocalServerSettings } from '../../config.ts';
import { startLocalServer } from '../../local/server.ts';
import type { Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';

function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('expected a TCP port, 0–65535 (0: any free port)');
  return port;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function register(program: Command, cli: Cli): void {
  program
    .command('serve')
    .description(
      'serve the archive page, API, feeds and subscriptions on 127.0.0.1 and run the schedules',
    )
    .option(
      '--port <port>',
      'TCP port (0: any free port; default BULLETIN_PORT, else 8787)',
      portArg,
    )
    .action((opts: { port?: number }) =>
      cli.withServices(async (s) => {
        const server = await startLocalServer({
          services: s,
          port: opts.port ?? loadLocalServerSettings().port,
          root: cli.root,
          log: cli.info,
          ingestProgress: progressReporter('ingest'),
        });
        console.log(`Archive:  ${server.url}/`);
        console.log(`Feed:     ${server.url}/feeds/torch-bulletin.atom`);
        console.log(`API:      ${server.url}/bulletins`);
        console.log(`Token:    ${server.token}  (Authorization: Bearer … for POST /reports)`);
        console.log(`Outbox:   ${server.outboxDir}`);
        for (const j of server.schedules)
          console.log(
            `Schedule: ${j.id} "${j.cron}" ${j.timeZone}, next ${j.nextRun?.toISOString() ?? 'never'}`,
          );
        cli.info('Ctrl-C stops the server.');
        const signal = await untilSignal();
        cli.info(`${signal}: stopping …`);
        await server.stop();
      }),
    );
}
