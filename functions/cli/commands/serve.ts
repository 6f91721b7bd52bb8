import { InvalidArgumentError, type Command } from 'commander';
import { loadLocalServerSettings } from '../../config.ts';
import { formatLocalTime } from '../../core/display.ts';
import { startLocalServer } from '../../local/server.ts';
import { createLogger } from '../../wiring/logger.ts';
import type { Cli } from '../context.ts';
import { progressReporter } from '../progress.ts';

function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('应为 TCP 端口 0–65535（0：任一空闲端口）');
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
      '本地服务：在 127.0.0.1 上提供往期查阅页、HTTP API、Atom 订阅源与邮件订阅，并运行定时任务',
    )
    .option('--port <端口>', 'TCP 端口（0：任一空闲端口；默认 BULLETIN_PORT，否则 8787）', portArg)
    .action((opts: { port?: number }) =>
      cli.withServices(async (s) => {
        // Timestamped lines (Beijing time, or the configured zone) from the Lambdas' logger.
        const logger = createLogger({ serviceName: 'bulletin-serve', timeZone: s.config.timeZone });
        const ingestProgress = progressReporter('ingest');
        const server = await startLocalServer({
          services: s,
          port: opts.port ?? loadLocalServerSettings().port,
          root: cli.root,
          log: (message) => {
            // A line written under a drawn bar is overwritten when the bar is redrawn.
            ingestProgress.stop();
            if (!cli.options().quiet) logger.info(message);
          },
          ingestProgress,
        });
        console.log(`Archive:  ${server.url}/`);
        console.log(`Feed:     ${server.url}/feeds/torch-bulletin.atom`);
        console.log(`API:      ${server.url}/bulletins`);
        console.log(`Token:    ${server.token}  (Authorization: Bearer … for POST /reports)`);
        console.log(`Outbox:   ${server.outboxDir}`);
        for (const j of server.schedules)
          console.log(
            `Schedule: ${j.id} "${j.cron}" ${j.timeZone}, ` +
              (!j.enabled
                ? '已停用 (enabled: false)'
                : `next ${j.nextRun ? `${formatLocalTime(j.nextRun, j.timeZone)} (${j.timeZone})` : 'never'}`),
          );
        cli.info('Ctrl-C 停止服务 (stops the server).');
        const signal = await untilSignal();
        cli.info(`${signal}: stopping …`);
        await server.stop();
      }),
    );
}
