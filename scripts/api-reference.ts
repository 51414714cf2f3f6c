/**
 * The public surface of every package entry point, read from the code with the TypeScript
 * compiler API: each exported name, its kind and the first sentence of its JSDoc. docs/api.md is
 * this text (scripts/gen-api-docs.ts writes it; test/docs/docs.test.ts fails when the surface
 * changes and the doc does not), so the list a user reads is the list the build exports.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ENTRY_POINTS } from './entry-points.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ApiEntry {
  name: string;
  /** The comment above the export statement in the entry file: the group the name belongs to. */
  group: string;
  kind: string;
  summary: string;
  /** Where it is defined, relative to the repository root. */
  source: string;
}

/**
 * The compiler options the listing is read with: a strict user project's. The docs test builds
 * its one program (snippets and this listing) with these plus its own, so both agree.
 */
export const API_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node', '@webgpu/types'],
  strict: true,
  skipLibCheck: true,
  noEmit: true,
};

/** The entry points' source files, as absolute paths (roots of a program). */
export const entryFiles = (): string[] => ENTRY_POINTS.map((e) => join(ROOT, e.file));

/**
 * Every exported name of each entry point, by group. `program` must contain the entry files and
 * use API_COMPILER_OPTIONS (type texts depend on them); without one, one is made.
 */
export function publicSurface(program = ts.createProgram(entryFiles(), API_COMPILER_OPTIONS)): Map<string, ApiEntry[]> {
  const checker = program.getTypeChecker();
  const surface = new Map<string, ApiEntry[]>();
  for (const entry of ENTRY_POINTS) {
    const sf = program.getSourceFile(join(ROOT, entry.file));
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) throw new Error(`cannot read the exports of ${entry.file}`);
    const groups = groupComments(sf);
    const names = checker.getExportsOfModule(moduleSymbol).map((exported) => describe(checker, exported, groups.get(exported.name) ?? ''));
    // By group in the entry file's order, then by name.
    const order = [...new Set(groups.values())];
    const rank = (e: ApiEntry): number => order.indexOf(e.group);
    surface.set(entry.specifier, names.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'en')));
  }
  return surface;
}

/**
 * Each exported name's group: the `//` comment lines right above its export statement (a
 * statement with no comment of its own stays in the group above it).
 */
function groupComments(sf: ts.SourceFile): Map<string, string> {
  const groups = new Map<string, string>();
  let group = '';
  for (const statement of sf.statements) {
    if (!ts.isExportDeclaration(statement)) continue;
    const comments = ts.getLeadingCommentRanges(sf.text, statement.pos) ?? [];
    const lines = comments.filter((c) => c.kind === ts.SyntaxKind.SingleLineCommentTrivia).map((c) => sf.text.slice(c.pos + 2, c.end).trim());
    if (lines.length > 0) group = lines.join(' ');
    const clause = statement.exportClause;
    if (clause && ts.isNamedExports(clause)) for (const spec of clause.elements) groups.set(spec.name.text, group);
  }
  return groups;
}

function describe(checker: ts.TypeChecker, exported: ts.Symbol, group: string): ApiEntry {
  const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const decl = target.declarations?.[0];
  // `export type { SomeClass }` makes the class usable as a type only: say so.
  const typeOnly = exported.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) ?? false;
  const kind = kindOf(target, decl);
  return {
    name: exported.name,
    group,
    kind: typeOnly && !['interface', 'type'].includes(kind) ? `${kind} (type only)` : kind,
    summary: ((decl && docIsOwn(decl) ? firstSentence(ts.displayPartsToString(target.getDocumentationComment(checker))) : '') || shapeOf(checker, target, kind)).replace(/\|/g, '\\|'),
    source: decl ? relative(ROOT, decl.getSourceFile().fileName) : '',
  };
}

function kindOf(symbol: ts.Symbol, decl: ts.Declaration | undefined): string {
  const f = symbol.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & ts.SymbolFlags.Variable) {
    // A const holding an arrow function is used like a function.
    const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) return 'function';
    return 'const';
  }
  if (f & ts.SymbolFlags.Module) return 'namespace';
  return 'other';
}

/**
 * Whether the JSDoc above a declaration is its own: a file's opening comment followed by a
 * blank line describes the file, though the compiler attaches it to the first declaration.
 */
function docIsOwn(decl: ts.Declaration): boolean {
  const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  const text = statement.getSourceFile().text;
  const last = (ts.getLeadingCommentRanges(text, statement.pos) ?? []).at(-1);
  return !last || !/\n[ \t]*\n/.test(text.slice(last.end, statement.getStart()));
}

/** The JSDoc's first sentence on one line, so each table row stays one line. */
function firstSentence(doc: string): string {
  const flat = doc.replace(/\s+/g, ' ').trim();
  // A full stop followed by a space ends the sentence, unless it ends an abbreviation ("e.g.").
  for (const m of flat.matchAll(/[.!?](?=\s|$)/g)) {
    const before = flat.slice(0, m.index + 1);
    if (!/\b(e\.g|i\.e|etc|vs|cf)\.$/.test(before)) return before;
  }
  return flat;
}

/**
 * Without a JSDoc, the declaration's shape in place of a description: a function's signature,
 * an interface's members, a type's definition, a constant's type. Generated, so it stays true.
 */
function shapeOf(checker: ts.TypeChecker, symbol: ts.Symbol, kind: string): string {
  const decl = symbol.declarations?.[0];
  if (!decl) return '';
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;
  let text = '';
  if (kind === 'function' || kind === 'const') {
    const type = checker.getTypeOfSymbolAtLocation(symbol, decl);
    const sig = type.getCallSignatures()[0];
    text = sig ? checker.signatureToString(sig, undefined, flags) : checker.typeToString(type, undefined, flags);
  } else if (kind === 'interface') {
    const members = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((m) => m.name);
    text = `{ ${members.join(', ')} }`;
  } else if (kind === 'type' && ts.isTypeAliasDeclaration(decl)) {
    text = decl.type.getText().replace(/\s+/g, ' ');
  } else if (kind.startsWith('class')) {
    const ctor = checker.getTypeOfSymbolAtLocation(symbol, decl).getConstructSignatures()[0];
    text = ctor ? `new ${checker.signatureToString(ctor, undefined, flags)}` : '';
  }
  const short = text.length > 110 ? `${text.slice(0, 107)}…` : text;
  return short ? `\`${short}\`` : '';
}

/**
 * A group's heading and text from its comment: "Heading: text" splits at the colon; "Heading
 * (aside)." keeps the whole comment as its text.
 */
function headingOf(group: string): { heading: string; text: string } {
  const colon = group.indexOf(':');
  const paren = group.indexOf('(');
  if (colon >= 0 && (paren < 0 || colon < paren)) {
    const text = group.slice(colon + 1).trim();
    return { heading: group.slice(0, colon).trim(), text: text.charAt(0).toUpperCase() + text.slice(1) };
  }
  return { heading: (paren >= 0 ? group.slice(0, paren) : group).trim().replace(/\.$/, ''), text: paren >= 0 ? group : '' };
}

/** docs/api.md: per entry point, one table per group of exports. */
export function apiReference(surface = publicSurface()): string {
  const lines = [
    '# Public API',
    '',
    '<!-- Generated by `npx tsx scripts/gen-api-docs.ts` from the entry points; do not edit by hand. -->',
    '',
    'Everything a user imports, per entry point, in the groups the entry files give them. Anything',
    'else under `src/` is internal and may change without notice. A description is the first',
    "sentence of the name's JSDoc or, where it has none, its signature (functions, classes), its",
    'members (interfaces) or its definition (types).',
    '',
  ];
  for (const entry of ENTRY_POINTS) {
    const names = surface.get(entry.specifier) ?? [];
    lines.push(`## \`${entry.specifier}\``, '', `${entry.about}. ${names.length} names, from \`${entry.file}\`.`, '');
    // Groups in the order the entry file gives them; names sorted within each.
    const groups = [...new Set(names.map((n) => n.group))];
    for (const group of groups) {
      const { heading, text } = headingOf(group);
      if (heading) lines.push(`### ${heading}`, '');
      if (text) lines.push(text, '');
      lines.push('| name | kind | description |', '|---|---|---|');
      for (const n of names.filter((m) => m.group === group)) lines.push(`| \`${n.name}\` | ${n.kind} | ${n.summary} |`);
      lines.push('');
    }
  }
  return lines.join('\n');
}
