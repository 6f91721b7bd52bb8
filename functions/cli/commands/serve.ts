import { InvalidArgumentError, type Command } from 'commander';
import { loadLocalServerSettings } from '../../config.ts';
import { resolve } from 'node:path';
import { formatBeijing } from '../../core/time.ts';
import { startLocalServer } from '../../local/server.ts';
import { removeServerRecord, writeServerRecord } from '../../local/server-record.ts';
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
        // Timestamped lines (Beijing time, the zone named) from the Lambdas' logger.
        const logger = createLogger({ serviceName: 'bulletin-serve' });
        const ingestProgress = progressReporter('载入 (ingest)');
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
        // Other commands on this state folder find the server here: its real address in their
        // "浏览" line, and the links and outbox of the notices a release sends.
        const stateDir = resolve(cli.options().stateDir);
        if (cli.options().target === 'local')
          await writeServerRecord(stateDir, {
            url: server.url,
            pid: process.pid,
            outboxDir: server.outboxDir,
            startedAt: new Date().toISOString(),
          });
        try {
          console.log(`往期查阅 (archive)：${server.url}/`);
          console.log(`订阅源 (Atom feed)：${server.url}/feeds/torch-bulletin.atom`);
          console.log(`接口 (API)：${server.url}/bulletins`);
          console.log(
            `编辑部 (console)：${server.url}/console（账号：npx bulletin users add 姓名 --role 编辑）`,
          );
          console.log(
            `令牌 (token)：${server.token}（POST /reports 时放在 Authorization: Bearer … 中）`,
          );
          console.log(`发件箱 (outbox)：${server.outboxDir}`);
          for (const j of server.schedules)
            console.log(
              `定时任务 (schedule)：${j.id}「${j.cron}」(${j.timeZone})，` +
                (!j.enabled
                  ? '已停用 (enabled: false)'
                  : j.nextRun
                    ? `下次运行 ${formatBeijing(j.nextRun)}`
                    : '不再运行'),
            );
          cli.info('按 Ctrl-C 停止服务。');
          const signal = await untilSignal();
          cli.info(`收到 ${signal}：正在停止服务 …`);
          await server.stop();
        } finally {
          if (cli.options().target === 'local') await removeServerRecord(stateDir);
        }
      }),
    );
}
