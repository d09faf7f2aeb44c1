/** Parsing the policy YAML with positions, so every problem can point at its line. */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { PathSegment, PolicyProblem } from './problems.ts';

export interface YamlSource {
  doc: Document;
  lines: LineCounter;
}

export function parseYaml(text: string): { ok: true; source: YamlSource; value: unknown } | { ok: false; problems: PolicyProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        const pos = error.linePos?.[0];
        return { path: '', message: `YAML syntax: ${message}`, ...(pos && { line: pos.line, column: pos.col }) };
      }),
    };
  }
  return { ok: true, source: { doc, lines }, value: doc.toJS({ maxAliasCount: 1000 }) };
}

/** Line and column of the deepest node on `at` that exists in the file (a map key points at the key). */
export function positionOf(source: YamlSource, at: readonly PathSegment[]): { line: number; column: number } | undefined {
  let node: unknown = source.doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (const segment of at) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = rangeStart(node) ?? offset;
    } else break;
  }
  if (offset === undefined) return undefined;
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) return node.range[0] as number;
  return undefined;
}
