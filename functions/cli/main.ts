/**
 * `bulletin` — the command line of Torch Bulletin. By default every command runs against the
 * embedded stack (dynalite + s3rver started in this process, data under `.local/state`); with
 * `--target aws` it uses the AWS SDK's standard configuration instead (real AWS, or any
 * compatible server named by AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3).
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { BulletinError, ValidationError } from '../errors.ts';
import { createCli, ROOT } from './context.ts';
import * as bootstrap from './commands/bootstrap.ts';
import * as generate from './commands/generate.ts';
import * as ingest from './commands/ingest.ts';
import * as list from './commands/list.ts';
import * as preview from './commands/preview.ts';
import * as serve from './commands/serve.ts';
import * as seedSynthetic from './commands/seed-synthetic.ts';
import * as start from './commands/start.ts';

const program = new Command()
  .name('bulletin')
  .description('Torch Bulletin: 国家高新区 statistics in, 《火炬动态》 PDFs out.')
  .addOption(
    new Option('--target <target>', 'the embedded local stack, or AWS (standard SDK configuration)')
      .choices(['local', 'aws'])
      .default(process.env.BULLETIN_TARGET ?? 'local'),
  )
  .option(
    '--state-dir <dir>',
    'local stack data folder',
    process.env.BULLETIN_STATE_DIR ?? join(ROOT, '.local', 'state'),
  )
  .option('-q, --quiet', 'print only results')
  .showHelpAfterError();

const cli = createCli(program);
for (const command of [bootstrap, ingest, generate, preview, list, start, serve, seedSynthetic])
  command.register(program, cli);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof BulletinError) {
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.BULLETIN_DEBUG && err.cause) console.error(err.cause);
    process.exitCode = err instanceof ValidationError ? 2 : 1;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
});
