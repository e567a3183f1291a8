// A small Dockerfile reader for static checks: instructions with continuations joined, grouped by stage, and
// ARG defaults substituted into FROM lines.

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): { readonly args: ReadonlyMap<string, string>; readonly stages: readonly Stage[] } {
  const logical: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (cur === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      cur += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push((cur + line).trim());
    cur = '';
  }
  const args = new Map<string, string>();
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/s.exec(l)!;
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.replace(/\s+/g, ' ').trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=', 2);
      if (v !== undefined) args.set(k!, v);
      continue;
    }
    if (keyword === 'FROM') {
      const fm = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      const image = (fm?.[1] ?? rest).replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args.get((a ?? b)!) ?? '');
      stages.push({ from: image, name: fm?.[2], instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push({ keyword, args: rest });
  }
  return { args, stages };
}

/** The JSON array of an exec-form instruction (`["a", "b"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const v: unknown = JSON.parse(args);
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}
