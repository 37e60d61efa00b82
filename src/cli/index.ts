import { version } from "../version.ts";
import { backupCommand } from "./backup.ts";
import { keysCommand } from "./keys.ts";
import { helpText, type CommandSummary } from "./help.ts";
import { serve } from "./serve.ts";

export interface Command extends CommandSummary {
  name: string;
  /** Resolves with the exit code; `args` are those after the command's name. */
  run(args: string[]): Promise<number>;
}

/** Subcommands by name; without one, `pos-sync [--setting value ...]` serves. */
const commands: Command[] = [backupCommand, keysCommand];

const serveSummary: CommandSummary = { usage: "pos-sync [--setting value ...]", summary: "run the server (what npm start does)" };

/** The `pos-sync` command line: a subcommand, --help, --version, or the server itself. */
export async function runCli(argv: string[]): Promise<number> {
  const command = commands.find((candidate) => candidate.name === argv[0]);
  if (command) return command.run(argv.slice(1));
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText([serveSummary, ...commands]));
    return 0;
  }
  if (argv.includes("--version") || argv.includes("-v")) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  return serve(argv);
}
