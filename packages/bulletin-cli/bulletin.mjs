#!/usr/bin/env -S node --max-semi-space-size=32
// `npx bulletin` lands here: npm links this package's bin into node_modules/.bin at install.
// The command is declared here and not in the root package.json because npx treats a bin of
// the project itself as a package to install into its own cache (≈ 0.5 s more per start, and
// a copy of the whole tree read); a bin in node_modules/.bin is run directly. The flags on the
// first line are the product's V8 flags (functions/contract/node-flags.ts).
import '../../bin/bulletin.mjs';
