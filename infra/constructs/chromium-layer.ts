/**
 * One Lambda layer with what every render function needs beside its code, shared by all of
 * them instead of a 130 MB copy in each bundle:
 *
 *   /opt/chromium/bin/*.br   @sparticuz/chromium's brotli archives (Chromium, its libraries,
 *                            SwiftShader); the package's JavaScript is bundled into each
 *                            handler and told where these are (BULLETIN_CHROMIUM_BIN_DIR)
 *   /opt/fonts/*.ttf         the four CJK font files (BULLETIN_FONT_DIR)
 *
 * Built from this machine's node_modules by a local bundling step (no Docker, no download),
 * so `cdk synth` works offline. x86_64 only: @sparticuz/chromium ships no arm64 binary.
 */
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { CHROMIUM_PACKAGE } from '../../functions/contract/assets.ts';
import { fontFilePaths, packageDirOf } from '../bundling.ts';

/** Where the layer's parts are on Lambda (layers are extracted to /opt). */
export const LAYER_PATHS = {
  chromiumBin: '/opt/chromium/bin',
  fonts: '/opt/fonts',
} as const;

/** Fills `outputDir` with the layer's files (also used by the bench's cold-path phase). */
export function buildChromiumLayer(outputDir: string): void {
  const bin = join(packageDirOf(CHROMIUM_PACKAGE), 'bin');
  const binOut = join(outputDir, 'chromium', 'bin');
  mkdirSync(binOut, { recursive: true });
  for (const f of readdirSync(bin).filter((n) => n.endsWith('.br'))) {
    cpSync(join(bin, f), join(binOut, f));
  }
  const fontsOut = join(outputDir, 'fonts');
  mkdirSync(fontsOut, { recursive: true });
  for (const f of fontFilePaths()) cpSync(f, join(fontsOut, f.slice(f.lastIndexOf('/') + 1)));
}

export class ChromiumLayer extends Construct {
  readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const source = join(packageDirOf(CHROMIUM_PACKAGE), 'bin');
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: 'Headless Chromium (@sparticuz/chromium) and the CJK fonts of the bulletin',
      compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
      compatibleArchitectures: [lambda.Architecture.X86_64],
      // An old version is useless once the functions moved on.
      removalPolicy: RemovalPolicy.DESTROY,
      code: lambda.Code.fromAsset(source, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never used: the local bundling below always succeeds.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox'),
          local: {
            tryBundle(outputDir: string): boolean {
              buildChromiumLayer(outputDir);
              return true;
            },
          },
        },
      }),
    });
  }
}
