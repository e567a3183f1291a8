#!/usr/bin/env node
// The `chainfan` binary: dispatches to one role per sub-command; bad flags or variables exit 78 naming them.
import { ChainfanError } from '@chainfan/protocol';
import { describeEnv, EX_CONFIG } from '@chainfan/telemetry';
import { envToFlag, parseArgs } from './argv.js';
import { describeListenFailure } from './listen-failure.js';
import { COMMANDS } from './commands/all.js';
import type { Command } from './commands/command.js';

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'chainfan — real-time blockchain event fan-out',
    '',
    'usage: chainfan <command> [--flag value …]     (every --flag is also a CHAINFAN_* variable)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'chainfan <command> --help lists the command\'s options.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const table = describeEnv(c.env)
    .split('\n')
    .map((line) => {
      const name = /CHAINFAN_[A-Z0-9_]+/.exec(line)?.[0];
      return name ? line.replace(name, `${name} (${envToFlag(name)})`) : line;
    })
    .join('\n');
  return [`chainfan ${c.name} — ${c.summary}`, '', `usage: ${c.usage}`, '', 'options (environment variable, flag):', table].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    process.stderr.write(`chainfan: unknown command "${name}"\n\n${topHelp()}\n`);
    process.exit(64);
  }
  const booleans = Object.entries(cmd.env).filter(([, f]) => f.kind === 'bool').map(([n]) => n);
  const args = parseArgs(rest, Object.keys(cmd.env), process.env, booleans);
  if (args.help) {
    process.stdout.write(`${commandHelp(cmd)}\n`);
    return;
  }
  try {
    await cmd.run(args.env, args.positional);
  } catch (err) {
    const listen = describeListenFailure(err, cmd.env, args.env);
    if (listen !== undefined) throw new ChainfanError('CHAINFAN_CONFIG_INVALID', listen, { cause: err });
    throw err;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ChainfanError && err.code === 'CHAINFAN_CONFIG_INVALID') {
    process.stderr.write(`chainfan: ${err.message}\n`);
    process.exit(EX_CONFIG);
  }
  process.stderr.write(`chainfan: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
