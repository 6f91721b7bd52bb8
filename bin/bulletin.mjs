#!/usr/bin/env node
// The `bulletin` command: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

// The pinned SDK runs on Node 20 (this machine); Lambda runs nodejs22.x. The notice that
// SDK releases after January 2027 need Node 22 is in the README, not on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../functions/cli/main.ts');
