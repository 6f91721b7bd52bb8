/**
 * dynalite parses every request's expressions (condition, key condition, filter, update,
 * projection) with PEG parsers whose identifiers are tried against DynamoDB's ≈ 570 reserved
 * words: ≈ 0.1–0.2 ms an expression, the largest part of its JavaScript a request, for the
 * same few expressions again and again. {@link expressionsParsedOnce} keeps each parse as a
 * template and answers the next parse of the same expression by filling it in:
 *
 * - The template is the parse of the expression with each expression attribute value replaced
 *   by a stand-in of the same type (`{ S: <marker> }`): the parsers use a value's type, never
 *   its content, except in BETWEEN (its bounds compared) and `attribute_type` (its type name
 *   read) — expressions with either word are always parsed. The parse returns the values
 *   themselves (not copies), so filling in puts the request's own value objects where the
 *   stand-ins are, in a new copy of the rest (a new object each time, as a parse gives).
 * - It is kept under the parser, the expression's text, the attribute names (all of them, as
 *   given) and the attribute values' names and types: the same key, the same parse.
 * - A template is kept only when filling it in with the values of the request it was made for
 *   gives exactly what that request's own parse gave (`isDeepStrictEqual`), and the two
 *   parses used the same names and values (what the parser marks as used, for dynalite's
 *   "unused in expressions" error). Otherwise that key is parsed every time.
 * - A parse that throws (a syntax or semantic error) is never kept: its error is thrown by the
 *   real parse, each time.
 */
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';

interface ParseContext {
  attrNames?: Record<string, string>;
  attrVals?: Record<string, Record<string, unknown>>;
  unusedAttrNames?: Record<string, boolean>;
  unusedAttrVals?: Record<string, boolean>;
  [other: string]: unknown;
}
type Parse = (input: string, options?: { context?: ParseContext }) => unknown;

interface Template {
  tree: unknown;
  /** The stand-in objects in `tree`, each with the name of the value it stands for. */
  standIns: Map<object, string>;
  usedNames: string[];
  usedVals: string[];
}

const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const PARSERS = ['conditionParser', 'updateParser', 'projectionParser'] as const;
const PATCHED = Symbol.for('torch-bulletin.dynalite-expressions');
const TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'] as const;
/** Parses that use a value's content, not only its type. */
const CONTENT_READ = /between|attribute_type/i;
const MAX_KEPT = 1000;

/** Counts of parses answered from a template and parsed (for the tests). */
export const expressionParses = { filled: 0, parsed: 0 };

/** dynalite's expressions parsed once per text, names and value types (once a process). */
export function expressionsParsedOnce(): void {
  for (const name of PARSERS) {
    const parser = fromDynalite(`./db/${name}`) as { parse: Parse } & Record<symbol, boolean>;
    if (parser[PATCHED]) continue;
    parser[PATCHED] = true;
    const parse = parser.parse;
    const kept = new Map<string, Template | null>();
    parser.parse = (input, options) => parseKept(parse, kept, input, options);
  }
}

/** The type of a (validated) attribute value, as the parsers find it. */
function typeOf(value: Record<string, unknown>): string | undefined {
  return TYPES.find((type) => value[type] != null);
}

/** A value of `type` that stands for the value named `name` (its content unlike a real one's). */
function standIn(type: string, name: string): Record<string, unknown> {
  const marker = `\u0000${name}`;
  const content: Record<string, unknown> = {
    S: marker,
    N: '-0.000001',
    B: 'AA==',
    NULL: true,
    BOOL: true,
    SS: [marker],
    NS: ['-0.000001'],
    BS: ['AA=='],
    L: [],
    M: {},
  };
  return { [type]: content[type] };
}

function parseKept(
  parse: Parse,
  kept: Map<string, Template | null>,
  input: string,
  options?: { context?: ParseContext },
): unknown {
  const context = options?.context;
  if (
    typeof input !== 'string' ||
    !context ||
    Object.keys(options).length !== 1 ||
    CONTENT_READ.test(input)
  )
    return parse(input, options);
  const vals = context.attrVals ?? {};
  const valNames = Object.keys(vals);
  const types = valNames.map((name) => {
    const value = vals[name];
    return value && typeof value === 'object' ? typeOf(value) : undefined;
  });
  if (types.includes(undefined)) return parse(input, options);
  const key = JSON.stringify([input, context.attrNames ?? null, valNames, types]);

  const template = kept.get(key);
  if (template) {
    expressionParses.filled++;
    for (const name of template.usedNames)
      if (context.unusedAttrNames) delete context.unusedAttrNames[name];
    for (const name of template.usedVals)
      if (context.unusedAttrVals) delete context.unusedAttrVals[name];
    return fillIn(template.tree, template.standIns, vals, new Map());
  }
  expressionParses.parsed++;
  const unusedNames = { ...context.unusedAttrNames };
  const unusedVals = { ...context.unusedAttrVals };
  // The request's own parse, as before (a throw goes to dynalite as before).
  const result = parse(input, options);
  if (template === null) return result;
  if (kept.size >= MAX_KEPT) kept.clear();
  kept.set(key, made(parse, input, context, result, unusedNames, unusedVals));
  return result;
}

/** The template of `input`, or null when it would not give back `result`. */
function made(
  parse: Parse,
  input: string,
  context: ParseContext,
  result: unknown,
  unusedNamesBefore: Record<string, boolean>,
  unusedValsBefore: Record<string, boolean>,
): Template | null {
  const usedBy = (before: Record<string, boolean>, after: Record<string, boolean> | undefined) =>
    Object.keys(before)
      .filter((name) => !(after && name in after))
      .sort();
  const vals = context.attrVals ?? {};
  const standIns = new Map<object, string>();
  const standInVals: Record<string, Record<string, unknown>> = {};
  for (const name of Object.keys(vals)) {
    const value = standIn(typeOf(vals[name]!)!, name);
    standIns.set(value, name);
    standInVals[name] = value;
  }
  const names = { ...unusedNamesBefore };
  const valsUnused = { ...unusedValsBefore };
  let tree: unknown;
  try {
    tree = parse(input, {
      context: {
        ...context,
        attrVals: standInVals,
        unusedAttrNames: names,
        unusedAttrVals: valsUnused,
      },
    });
  } catch {
    return null;
  }
  const template: Template = {
    tree,
    standIns,
    usedNames: usedBy(unusedNamesBefore, names),
    usedVals: usedBy(unusedValsBefore, valsUnused),
  };
  const same =
    isDeepStrictEqual(fillIn(tree, standIns, vals, new Map()), result) &&
    isDeepStrictEqual(template.usedNames, usedBy(unusedNamesBefore, context.unusedAttrNames)) &&
    isDeepStrictEqual(template.usedVals, usedBy(unusedValsBefore, context.unusedAttrVals));
  return same ? template : null;
}

/** A copy of `node` with the request's values in place of the stand-ins (shared parts kept shared). */
function fillIn(
  node: unknown,
  standIns: Map<object, string>,
  vals: Record<string, unknown>,
  copied: Map<object, unknown>,
): unknown {
  if (node === null || typeof node !== 'object') return node;
  const name = standIns.get(node);
  if (name !== undefined) return vals[name];
  const done = copied.get(node);
  if (done !== undefined) return done;
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    copied.set(node, out);
    for (const item of node) out.push(fillIn(item, standIns, vals, copied));
    return out;
  }
  const out = Object.create(Object.getPrototypeOf(node) as object | null) as Record<
    string,
    unknown
  >;
  copied.set(node, out);
  for (const key of Object.keys(node))
    out[key] = fillIn((node as Record<string, unknown>)[key], standIns, vals, copied);
  return out;
}
