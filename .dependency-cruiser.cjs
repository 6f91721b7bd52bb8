/**
 * The layer order of `functions/` and `infra/`, checked by `npm test` (`npm run depcheck`).
 * Lower layers never import higher ones; nothing imports in a circle (type-only imports
 * included: `tsPreCompilationDeps`).
 *
 *   0 base      functions/core/** (pure domain), functions/contract/** (names shared with
 *               infra, dependency-free), functions/errors.ts, functions/types/**
 *   1 config    functions/config.ts — reads the environment once
 *   2 app       functions/app/** (use cases; ports.ts), functions/reports/** (report kinds)
 *   3 adapters  functions/adapters/** — implement the ports; of app/ they see ports.ts only;
 *               functions/local/** but server.ts — the embedded stack (dynalite, s3rver)
 *   4 wiring    functions/wiring/** — picks the adapters, starts the local environment
 *   5 edge      functions/{api,handlers,cli}/**, functions/local/server.ts — HTTP, Lambda
 *               events, the CLI and the local server; local/ and api/ never import cli/,
 *               and nothing imports a handler
 *   infra/**    the CDK app — of functions/ it imports only functions/contract/**
 *
 * The rules are written by folder, so new files (functions/reports/**, functions/contract/**,
 * functions/adapters/print/** …) are covered the moment they appear.
 */
const BASE = '^functions/(core|contract|types)/|^functions/errors\\.ts$';
const ABOVE_BASE =
  '^functions/(config\\.ts$|app/|reports/|adapters/|wiring/|api/|handlers/|cli/|local/)';
const EDGE = '^functions/(api|handlers|cli)/|^functions/local/server\\.ts$';
const LOCAL_STACK = '^functions/local/(?!server\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Modules that import each other (even for types only) cannot be read or moved apart.',
      from: { path: '^(functions|infra)/' },
      to: { circular: true },
    },
    {
      name: 'base-imports-base-only',
      severity: 'error',
      comment:
        'core/ is pure and contract/ dependency-free: neither reaches up to config, app, adapters or the edge.',
      from: { path: BASE },
      to: { path: ABOVE_BASE },
    },
    {
      name: 'contract-is-dependency-free',
      severity: 'error',
      comment: 'infra/ loads contract/: it may not pull in any other module of functions/.',
      from: { path: '^functions/contract/' },
      to: { path: '^functions/', pathNot: '^functions/contract/' },
    },
    {
      name: 'config-imports-no-adapter',
      severity: 'error',
      comment: 'config.ts is read by everything; it imports only base modules.',
      from: { path: '^functions/config\\.ts$' },
      to: { path: '^functions/', pathNot: `${BASE}|^functions/config\\.ts$` },
    },
    {
      name: 'app-not-up',
      severity: 'error',
      comment:
        'Use cases and report kinds reach outside services through app/ports.ts only, never through an adapter module, the wiring or the edge.',
      from: { path: '^functions/(app|reports)/' },
      to: { path: '^functions/(adapters|wiring|api|handlers|cli|local)/' },
    },
    {
      name: 'adapters-see-ports-only',
      severity: 'error',
      comment: 'An adapter implements a port: of the application it sees app/ports.ts only.',
      from: { path: '^functions/adapters/' },
      to: {
        path: '^functions/(app|reports|wiring|api|handlers|cli|local)/',
        pathNot: '^functions/app/ports\\.ts$',
      },
    },
    {
      name: 'local-stack-not-up',
      severity: 'error',
      comment:
        'The embedded stack is infrastructure the wiring starts: it knows nothing of the application or the edge.',
      from: { path: LOCAL_STACK },
      to: { path: `^functions/(app|reports|wiring)/|${EDGE}` },
    },
    {
      name: 'wiring-not-up',
      severity: 'error',
      comment: 'The wiring is used by the edge, never the other way round.',
      from: { path: '^functions/wiring/' },
      to: { path: EDGE },
    },
    {
      name: 'local-and-api-not-cli',
      severity: 'error',
      comment:
        'The local server and the HTTP app are used by the CLI; what they share lives in app/ or wiring/.',
      from: { path: '^functions/(local|api)/' },
      to: { path: '^functions/cli/' },
    },
    {
      name: 'edge-not-handlers',
      severity: 'error',
      comment:
        'A Lambda handler is an entry point: the CLI, the local server and the HTTP app do not import one.',
      from: { path: '^functions/(api|cli|local)/' },
      to: { path: '^functions/handlers/' },
    },
    {
      name: 'infra-imports-contract-only',
      severity: 'error',
      comment:
        'cdk synth must not load the runtime (Chromium, Handlebars, ECharts): infra/ imports only functions/contract/.',
      from: { path: '^infra/' },
      to: { path: '^functions/', pathNot: '^functions/contract/' },
    },
    {
      name: 'functions-not-infra-or-tests',
      severity: 'error',
      comment: 'Runtime code never imports the CDK app or the tests.',
      from: { path: '^functions/' },
      to: { path: '^(infra|tests|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: { path: '^(functions|infra)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^(functions|infra)/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    progress: { type: 'none' },
  },
};
