/**
 * The V8 flags every Node process of the product that makes reports runs with: the command
 * line (`npx bulletin`'s shebang, bin/bulletin.mjs's, the `npm start`/`bulletin`/`serve`
 * scripts), the Lambda functions (`NODE_OPTIONS`, infra/constructs/bulletin-function.ts) and the
 * bench (`npm run bench`, which refuses to run without them: it measures what the product runs,
 * never with better flags). Written out in each of those places — a shebang or an npm script
 * cannot import this — and `tests/unit/node-flags.test.ts` holds them all to this list. Plain
 * data, no imports (part of the contract `infra/` may import).
 *
 * `--max-semi-space-size=32`: the young generation's two halves of 32 MB each instead of V8's
 * 16. A zone profile allocates ≈ 100 MB of short-lived objects at 178 zones (sorted record
 * keys, the printed records, the data file's rows, packed item fields); with 16 MB halves the
 * all-zones run collected it in ≈ 4 scavenges a profile, each copying what the six zones in
 * flight still hold. With 32 MB half as many scavenges copy about as much each: 60 zone
 * profiles took 9.1–9.2 s of Node CPU instead of 9.8–10.4 s (bench/README.md, issue 27 session
 * 10, "GC"). 64 MB saved little more (9.0 s) for +100 MB of peak RSS; 32 MB costs ≈ +40 MB.
 */
export const NODE_FLAGS = ['--max-semi-space-size=32'] as const;
