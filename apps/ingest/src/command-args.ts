import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** What a subcommand's arguments came to: its options and positionals, or the exit code to return now. */
type CommandValues<O extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>['values'];

export type CommandArgs<O extends ParseArgsOptionsConfig> =
  { exit: number } | { exit?: undefined; values: CommandValues<O>; positionals: string[] };

/**
 * Parses a subcommand's arguments the one way every subcommand does: `--help` prints the usage (exit 0);
 * an unknown or malformed option, or a positional argument where none is taken, prints the problem and
 * the usage (exit 2).
 */
export function commandArgs<O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  usage: string,
  { positionals = false } = {},
): CommandArgs<O> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return { exit: 2 };
  }
  if (!positionals && parsed.positionals.length > 0) {
    process.stderr.write(`unexpected argument '${parsed.positionals[0] ?? ''}'\n${usage}\n`);
    return { exit: 2 };
  }
  // `help` is the option added above, which the values' type (that of `options`) does not name.
  if (Object.entries(parsed.values).some(([name, value]) => name === 'help' && value === true)) {
    process.stdout.write(`${usage}\n`);
    return { exit: 0 };
  }
  return { values: parsed.values, positionals: parsed.positionals };
}
