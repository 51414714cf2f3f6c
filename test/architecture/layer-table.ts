/**
 * Reads the layer table of docs/architecture.md ("Layers of the code": folder | concept |
 * depends on) into what each layer declares it imports. In the "depends on" column every
 * backticked path counts and nothing else does: a folder (`src/io`: any of its files) or a file
 * (`src/kernels/backend.ts`: that file, and no other of its folder unless named too), each
 * optionally followed by "(types only)"; "nothing" is an empty list.
 */
export interface DeclaredDependency {
  /** As written: 'src/io' or 'src/kernels/backend.ts'. */
  path: string;
  /** True when the path names a file rather than a whole folder. */
  isFile: boolean;
  typesOnly: boolean;
}

export interface LayerRow {
  /** The first column's path: 'src/tensor', or 'src/*.ts' for the files in src/ itself. */
  layer: string;
  dependsOn: DeclaredDependency[];
}

export function parseLayerTable(markdown: string): LayerRow[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers of the code'));
  if (!section) throw new Error('docs/architecture.md has no "## Layers of the code" section');
  const tableLines = section.split('\n').filter((l) => l.startsWith('|'));
  const [header, rule, ...rows] = tableLines;
  const columns = header ? cells(header).map((c) => c.toLowerCase()) : [];
  if (columns.join(',') !== 'folder,concept,depends on' || !rule?.includes('---')) {
    throw new Error(`the layer table's header should be "| folder | concept | depends on |", not ${JSON.stringify(header)}`);
  }
  return rows.map((line) => {
    const [folder, , deps] = cells(line);
    const layer = /^`([^`]+)`$/.exec(folder ?? '')?.[1];
    if (!layer || deps === undefined) throw new Error(`layer table row not understood: ${line}`);
    return { layer, dependsOn: parseDependsOn(deps) };
  });
}

function cells(line: string): string[] {
  return line.replace(/^\|/, '').replace(/\|\s*$/, '').split('|').map((c) => c.trim());
}

function parseDependsOn(cell: string): DeclaredDependency[] {
  const out: DeclaredDependency[] = [];
  for (const m of cell.matchAll(/`([^`]+)`(\s*\(types only\))?/g)) {
    const path = m[1]!;
    if (!path.startsWith('src/')) throw new Error(`"depends on" names ${path}; only src/ paths belong there (${cell})`);
    out.push({ path, isFile: path.endsWith('.ts'), typesOnly: m[2] !== undefined });
  }
  if (out.length === 0 && cell !== 'nothing') throw new Error(`"depends on" should list backticked src/ paths or say "nothing": ${cell}`);
  return out;
}
