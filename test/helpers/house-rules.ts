/**
 * Measures for the house-rules test (issue 12 item 5): file lengths, function lengths and imports
 * of TypeScript sources, read with the TypeScript compiler's own parser so a brace in a string or a
 * comment cannot fool them. Pure functions of a file's path and text; the test picks the files.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Every `.ts` file under `dir`, as paths relative to `root`, with forward slashes, sorted. */
export function typescriptFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(path.join(root, dir));
  return found.sort();
}

/** The number of lines of a text, not counting the newline that ends the last line. */
export function lineCount(text: string): number {
  return text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
}

export interface FunctionLength {
  /** The function's name, or `<anonymous>` with its first line for an arrow or function expression. */
  name: string;
  /** 1-based line of the function's first token. */
  line: number;
  /** Lines from its first token to its closing brace, both included. */
  lines: number;
}

const isFunctionLike = (node: ts.Node): node is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(node) ||
  ts.isFunctionExpression(node) ||
  ts.isArrowFunction(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node);

function nameOf(node: ts.FunctionLikeDeclaration, source: ts.SourceFile): string {
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  // `const handler = async () => ...`: the variable names the function.
  if (ts.isVariableDeclaration(node.parent)) return node.parent.name.getText(source);
  if (ts.isPropertyAssignment(node.parent)) return node.parent.name.getText(source);
  return '<anonymous>';
}

/**
 * Every function in a TypeScript source with its length in lines (a nested function is measured on
 * its own and also counts in the one around it).
 */
export function functionLengths(fileName: string, text: string): FunctionLength[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node) => {
    if (isFunctionLike(node) && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ name: nameOf(node, source), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * The module specifiers a TypeScript source imports or re-exports: static imports (type-only too),
 * `export ... from`, dynamic `import()` and `require()` with a string literal.
 */
export function importedSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteral(node.arguments[0]!)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) out.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text); // `import('x').T` in a type position
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * Where a relative specifier points, as a path relative to the repository root with the `.js` an
 * ESM import names turned back into the `.ts` source; `undefined` for a package or `node:` module.
 */
export function resolveRelative(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.posix.join(path.posix.dirname(fromFile), specifier).replace(/\.js$/, '.ts');
}
