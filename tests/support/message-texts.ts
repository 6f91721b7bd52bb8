/**
 * The texts of `functions/` that a person may read when something goes wrong, found in the source
 * (TypeScript's parser, no type checking):
 * - every string argument of a constructed error (`new XxxError(…)`, `new Error(…)`, and an error
 *   class's own `super(…)`: a class named `…Error` or extending one), and the `message` of each
 *   problem passed to one (`new ValidationError('x', [{ …, message }])`);
 * - every `error`, `message`, `reason`, `note`, `detail` or `why` property written as a string in
 *   an object literal: API JSON error bodies (`c.json({ error: '…' }, 404)`), problem lists
 *   (`{ field, message }`), zod's messages, the reasons of outcomes a run record or a log shows;
 * - every string argument of the API's `problem(c, status, '…')` and of the local stores'
 *   refusals (`deny('AccessDenied', '…')`, `refuse(403, code, '…')`).
 *
 * A template literal's substitutions read as a number (`0`), which the English-line rule treats
 * as a technical token, so `${issueId} 已撤回` is Chinese and `${key} is missing` is not. Both arms
 * of a `a ? '…' : '…'` and each part of a `'…' + '…'` are read. A single token without spaces
 * of ASCII (`'ingest'`, `'zone'`, `'BULLETIN_TABLE'`) is a code or a name, not a sentence, and is
 * skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface MessageText {
  /** `functions/app/x.ts:12` */
  where: string;
  text: string;
}

/** Calls whose string arguments are error texts for a person (besides `new …Error`). */
const MESSAGE_CALLS = new Set(['problem', 'deny', 'refuse']);
/** Object-literal properties that hold an error text for a person. */
const MESSAGE_PROPERTIES = new Set(['error', 'message', 'reason', 'note', 'detail', 'why']);

/** Every `.ts` file under `dir`, sorted. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** The person-facing error texts of one TypeScript source (see the module comment). */
export function messageTexts(source: string, fileName = 'source.ts'): MessageText[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: MessageText[] = [];
  const add = (node: ts.Node) => {
    for (const full of stringsOf(node)) {
      // A leading component tag (`[schedules] …`) is a name, not words.
      const text = full.replace(/^\[[\w -]+\]\s*/, '');
      if (/^[\x21-\x7e]*$/.test(text.trim())) continue;
      const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
      found.push({ where: `${fileName}:${line}`, text });
    }
  };
  /** Arguments of a constructed error: strings, and `message` inside problem objects. */
  const addArgument = (node: ts.Node) => {
    if (ts.isArrayLiteralExpression(node)) node.elements.forEach(addArgument);
    else if (ts.isObjectLiteralExpression(node))
      return; // visited as an object literal
    else add(node);
  };
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node) && /Error$/.test(node.expression.getText(file))) {
      node.arguments?.forEach(addArgument);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.SuperKeyword &&
      isErrorClass(enclosingClass(node))
    ) {
      node.arguments.forEach(addArgument);
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      MESSAGE_CALLS.has(node.expression.text)
    ) {
      node.arguments.forEach(add);
    } else if (
      ts.isPropertyAssignment(node) &&
      (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name)) &&
      MESSAGE_PROPERTIES.has(node.name.text)
    ) {
      add(node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The class a node is written in, if any. */
function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isClassLike(n)) return n;
  return undefined;
}

/** Whether a class is an error: its name, or the name of the class it extends, ends in `Error`. */
function isErrorClass(c: ts.ClassLikeDeclaration | undefined): boolean {
  if (!c) return false;
  const base = c.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  return /Error$/.test(c.name?.text ?? '') || /Error$/.test(base?.expression.getText() ?? '');
}

/** The string texts an expression spells out, literally (substitutions read as `0`). */
function stringsOf(node: ts.Node): string[] {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return [node.text];
  if (ts.isTemplateExpression(node)) {
    return [node.head.text + node.templateSpans.map((s) => `0${s.literal.text}`).join('')];
  }
  if (ts.isParenthesizedExpression(node)) return stringsOf(node.expression);
  if (ts.isConditionalExpression(node)) {
    return [...stringsOf(node.whenTrue), ...stringsOf(node.whenFalse)];
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const parts = [node.left, node.right].flatMap(stringsOf);
    return parts.length ? [parts.join('')] : [];
  }
  if (
    ts.isBinaryExpression(node) &&
    (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
      node.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  ) {
    return [node.left, node.right].flatMap(stringsOf);
  }
  return [];
}

/** The person-facing error texts of every `.ts` file under `dir`, `where` relative to `root`. */
export function messageTextsUnder(dir: string, root: string): MessageText[] {
  return sourceFiles(dir).flatMap((f) =>
    messageTexts(readFileSync(f, 'utf8'), path.relative(root, f)),
  );
}
