/**
 * The examples as modules: examples/*.mjs, and each `<script type="module">` of the pages under
 * examples/ (a page's script is given a virtual path of its own, so a compiler can read it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './markdown-snippets.js';

export interface ExampleModule {
  /** For messages: the file, relative to the repository root. */
  file: string;
  /** The module's path for the compiler (virtual for a page's script). */
  path: string;
  text: string;
  /** Lines of the file above the module's first line. */
  offset: number;
}

export function exampleModules(): ExampleModule[] {
  const modules: ExampleModule[] = [];
  for (const entry of readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' })) {
    const path = join(ROOT, 'examples', entry);
    const file = relative(ROOT, path);
    if (entry.endsWith('.mjs')) modules.push({ file, path, text: readFileSync(path, 'utf8'), offset: 0 });
    if (!entry.endsWith('.html')) continue;
    const html = readFileSync(path, 'utf8');
    for (const m of html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)) {
      const offset = html.slice(0, m.index + m[0].indexOf('>') + 1).split('\n').length - 1;
      modules.push({ file, path: `${path}.${modules.length}.mjs`, text: m[1]!, offset });
    }
  }
  return modules;
}
