/**
 * The files a render function needs beside its code: the CJK fonts (npm packages, the path
 * inside each and the flat name used in a font directory). Read by the renderer's font set-up
 * and by the CDK stack's Chromium + fonts layer. Plain data, no imports.
 */
export const FONT_FILES = [
  {
    style: 'serif',
    weight: 400,
    pkg: '@expo-google-fonts/noto-serif-sc',
    file: '400Regular/NotoSerifSC_400Regular.ttf',
  },
  {
    style: 'serif',
    weight: 700,
    pkg: '@expo-google-fonts/noto-serif-sc',
    file: '700Bold/NotoSerifSC_700Bold.ttf',
  },
  {
    style: 'sans',
    weight: 400,
    pkg: '@expo-google-fonts/noto-sans-sc',
    file: '400Regular/NotoSansSC_400Regular.ttf',
  },
  {
    style: 'sans',
    weight: 700,
    pkg: '@expo-google-fonts/noto-sans-sc',
    file: '700Bold/NotoSansSC_700Bold.ttf',
  },
] as const satisfies readonly {
  style: 'serif' | 'sans';
  weight: 400 | 700;
  pkg: string;
  file: string;
}[];

/** The package of headless Chromium; never bundled by esbuild (its `bin/` must stay beside it). */
export const CHROMIUM_PACKAGE = '@sparticuz/chromium';
