/**
 * The YAML that Keras 1/2's `model.to_yaml()` writes (PyYAML's `yaml.dump` of the model config),
 * and nothing more: block mappings with keys in sorted order, block sequences (also `- - -` and
 * `- key: value` compact forms, and sequences under a key at the key's own indentation), flow
 * collections (`[null, 28, 28, 1]`, `{}`, wrapped over lines), plain, single- and double-quoted
 * scalars (a long plain scalar folded over lines), and tags: `!!python/tuple` (read as a list, as
 * Keras's JSON has it) and other `!!` tags (ignored). No anchors, aliases, block scalars (`|`,
 * `>`) or documents beyond the first; each is a one-line error naming the line. Browser-safe.
 *
 * Why not a YAML package: Keras's output needs its Python tags understood anyway, the loader must
 * stay dependency-free in the browser, and this subset is small enough to test line by line.
 */

interface Line {
  /** 1-based, for messages. */
  no: number;
  indent: number;
  text: string;
}

export class KerasYamlError extends Error {}

/** Parses Keras's `to_yaml()` text into the same object `to_json()` would give. */
export function parseKerasYaml(text: string, source = 'YAML'): unknown {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*(#.*)?$/.test(raw)) return;
    if (raw.startsWith('---')) {
      if (lines.length > 0) throw new KerasYamlError(`${source} line ${i + 1}: a second YAML document; only one model config is read`);
      const rest = raw.slice(3).trim();
      if (rest !== '') lines.push({ no: i + 1, indent: 0, text: rest });
      return;
    }
    if (raw === '...') return;
    if (/^\s*\t/.test(raw)) throw new KerasYamlError(`${source} line ${i + 1}: a tab in the indentation`);
    const indent = raw.length - raw.trimStart().length;
    lines.push({ no: i + 1, indent, text: raw.trimEnd().slice(indent) });
  });
  if (lines.length === 0) throw new KerasYamlError(`${source}: empty`);
  const p = new Parser(lines, source);
  const v = p.node(lines[0]!.indent);
  if (p.pos < lines.length) p.fail(lines[p.pos]!, 'unexpected indentation');
  return v;
}

class Parser {
  pos = 0;
  constructor(
    readonly lines: Line[],
    readonly source: string,
  ) {}

  fail(line: Line, why: string): never {
    throw new KerasYamlError(`${this.source} line ${line.no}: ${why}: ${JSON.stringify(line.text.slice(0, 60))}`);
  }

  /** The node whose first line is at `indent` (a sequence, a mapping, or one scalar line). */
  node(indent: number): unknown {
    const line = this.lines[this.pos]!;
    if (line.indent !== indent) this.fail(line, `expected indentation ${indent}, got ${line.indent}`);
    if (isSeqItem(line.text)) return this.sequence(indent);
    if (findColon(line.text) >= 0) return this.mapping(indent);
    this.pos++;
    return this.inlineValue(line, line.text, indent);
  }

  sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.indent !== indent || !isSeqItem(line.text)) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.pos++;
        out.push(this.nested(indent, line));
        continue;
      }
      // "- x": x is a node starting at the column after the dash (compact nesting).
      const col = indent + (line.text.length - rest.length);
      this.lines[this.pos] = { no: line.no, indent: col, text: rest };
      out.push(this.node(col));
    }
    return out;
  }

  mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.indent !== indent || isSeqItem(line.text)) break;
      const colon = findColon(line.text);
      if (colon < 0) this.fail(line, 'expected "key: value"');
      const key = String(scalar(line.text.slice(0, colon).trim(), line, this));
      if (Object.hasOwn(out, key)) this.fail(line, `the key '${key}' appears twice`);
      const rest = line.text.slice(colon + 1).trim();
      this.pos++;
      if (rest === '' || isTagOnly(rest)) {
        out[key] = this.nested(indent, line, true);
        continue;
      }
      out[key] = this.inlineValue(line, rest, indent);
    }
    return out;
  }

  /** The block below a line ending in ':' or '-': deeper lines, or (under a key) a sequence at the same indent. */
  private nested(indent: number, line: Line, underKey = false): unknown {
    const next = this.lines[this.pos];
    if (next && next.indent > indent) return this.node(next.indent);
    if (underKey && next && next.indent === indent && isSeqItem(next.text)) return this.sequence(indent);
    void line;
    return null;
  }

  /** A value written on the line itself: a flow collection (maybe wrapped), a scalar (maybe folded). */
  private inlineValue(line: Line, text: string, indent: number): unknown {
    let t = stripTag(text, line, this);
    if (t.startsWith('&') || t.startsWith('*')) this.fail(line, 'anchors and aliases are not supported');
    if (t === '|' || t === '>' || /^[|>][-+0-9]*$/.test(t)) this.fail(line, 'block scalars are not supported');
    if (t.startsWith('[') || t.startsWith('{')) {
      while (!balanced(t)) {
        const more = this.lines[this.pos];
        if (!more || more.indent <= indent) this.fail(line, 'an unclosed flow collection');
        t += ` ${more.text}`;
        this.pos++;
      }
      const f = new FlowReader(t, line, this);
      const v = f.value();
      f.end();
      return v;
    }
    if (t.startsWith("'") || t.startsWith('"')) {
      while (!quoteClosed(t)) {
        const more = this.lines[this.pos];
        if (!more) this.fail(line, 'an unclosed quoted string');
        t += ` ${more.text}`;
        this.pos++;
      }
      return scalar(t, line, this);
    }
    // A long plain scalar continues on deeper lines that are not keys or items.
    while (this.pos < this.lines.length) {
      const more = this.lines[this.pos]!;
      if (more.indent <= indent || isSeqItem(more.text) || findColon(more.text) >= 0) break;
      t += ` ${more.text}`;
      this.pos++;
    }
    return scalar(t, line, this);
  }
}

function isSeqItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function isTagOnly(text: string): boolean {
  return /^!!?[\w/:.-]*$/.test(text);
}

/** Drops a leading tag; only Python tuples (lists) and plain YAML tags are understood. */
function stripTag(text: string, line: Line, p: Parser): string {
  const m = /^(!!?[\w/:.-]*)\s+(.*)$/.exec(text);
  if (!m) return text;
  const tag = m[1]!;
  if (tag.startsWith('!!python/name') || tag.startsWith('!!python/object')) p.fail(line, `the tag ${tag} holds Python objects, which cannot be read`);
  return m[2]!;
}

/** Index of the ':' that ends a mapping key on this line (outside quotes and brackets), or −1. */
function findColon(text: string): number {
  if (text.startsWith('[') || text.startsWith('{')) return -1;
  let q: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === q) q = null;
      continue;
    }
    if ((c === "'" || c === '"') && i === 0) q = c;
    else if (c === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return i;
  }
  return -1;
}

function balanced(t: string): boolean {
  let depth = 0;
  let q: string | null = null;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
      continue;
    }
    if (c === "'" || c === '"') q = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth === 0 && q === null;
}

function quoteClosed(t: string): boolean {
  const q = t[0]!;
  for (let i = 1; i < t.length; i++) {
    if (q === '"' && t[i] === '\\') i++;
    else if (t[i] === q) {
      if (q === "'" && t[i + 1] === "'") i++;
      else return true;
    }
  }
  return false;
}

/** One scalar: quoted strings, null, booleans, numbers (YAML 1.1 as PyYAML writes them), else the text. */
function scalar(t: string, line: Line, p: Parser): unknown {
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) p.fail(line, 'an unclosed quoted string');
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('"')) {
    try {
      return JSON.parse(t.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\ /g, ' '));
    } catch {
      p.fail(line, 'a double-quoted string with an escape that is not supported');
    }
  }
  if (t === '' || t === '~' || t === 'null' || t === 'Null' || t === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$/.test(t) && /[0-9]/.test(t)) return Number(t.replace(/_/g, ''));
  if (/^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$/.test(t)) return Number(t);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(t)) return NaN;
  return t;
}

/** `[a, [b, c], {k: v}]` on one (joined) line. */
class FlowReader {
  private i = 0;
  constructor(
    private readonly t: string,
    private readonly line: Line,
    private readonly p: Parser,
  ) {}

  end(): void {
    this.ws();
    if (this.i < this.t.length) this.p.fail(this.line, `text after a flow collection`);
  }

  value(): unknown {
    this.ws();
    const c = this.t[this.i];
    if (c === '[') {
      this.i++;
      const out: unknown[] = [];
      this.ws();
      if (this.t[this.i] === ']') {
        this.i++;
        return out;
      }
      for (;;) {
        out.push(this.value());
        this.ws();
        const d = this.t[this.i++];
        if (d === ']') return out;
        if (d !== ',') this.p.fail(this.line, "expected ',' or ']' in a flow sequence");
      }
    }
    if (c === '{') {
      this.i++;
      const out: Record<string, unknown> = {};
      this.ws();
      if (this.t[this.i] === '}') {
        this.i++;
        return out;
      }
      for (;;) {
        const k = this.value();
        this.ws();
        if (this.t[this.i++] !== ':') this.p.fail(this.line, "expected ':' in a flow mapping");
        out[String(k)] = this.value();
        this.ws();
        const d = this.t[this.i++];
        if (d === '}') return out;
        if (d !== ',') this.p.fail(this.line, "expected ',' or '}' in a flow mapping");
      }
    }
    const start = this.i;
    if (c === "'" || c === '"') {
      this.i++;
      while (this.i < this.t.length) {
        const ch = this.t[this.i]!;
        if (c === '"' && ch === '\\') this.i += 2;
        else if (ch === c && c === "'" && this.t[this.i + 1] === "'") this.i += 2;
        else if (ch === c) break;
        else this.i++;
      }
      this.i++;
      return scalar(this.t.slice(start, this.i), this.line, this.p);
    }
    if (c === '!') {
      while (this.i < this.t.length && this.t[this.i] !== ' ') this.i++;
      return this.value();
    }
    while (this.i < this.t.length && !',]}'.includes(this.t[this.i]!) && !(this.t[this.i] === ':' && this.t[this.i + 1] === ' ')) this.i++;
    return scalar(this.t.slice(start, this.i).trim(), this.line, this.p);
  }

  private ws(): void {
    while (this.t[this.i] === ' ') this.i++;
  }
}
