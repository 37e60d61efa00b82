import { type ConfigInput, settingSources, settingsSchema } from "../config.ts";
import { settingDescriptions } from "./setting-descriptions.ts";

export interface CommandSummary {
  usage: string;
  summary: string;
}

/** `pos-sync --help`: usage, commands, then every setting with its flag, variable and default. */
export function helpText(commands: readonly CommandSummary[]): string {
  const defaults = settingsSchema.parse({});
  const settings = (Object.keys(settingSources) as Array<keyof ConfigInput>).map((name) => {
    const [variable, flag] = settingSources[name];
    return { flag: `--${flag}`, variable, fallback: formatDefault(defaults[name]), description: settingDescriptions[name] };
  });
  const flagWidth = Math.max(...settings.map((setting) => setting.flag.length));
  const variableWidth = Math.max(...settings.map((setting) => setting.variable.length));
  const commandWidth = Math.max(...commands.map((command) => command.usage.length), "pos-sync --version".length);
  const lines = [
    "Usage: pos-sync [command] [--setting value ...]",
    "",
    "Commands:",
    ...commands.map((command) => `  ${command.usage.padEnd(commandWidth)}  ${command.summary}`),
    `  ${"pos-sync --help".padEnd(commandWidth)}  this text`,
    `  ${"pos-sync --version".padEnd(commandWidth)}  the version`,
    "",
    "Settings: each is a flag or an environment variable (the flag wins), else its default.",
    "",
    ...settings.map(
      (setting) => `  ${setting.flag.padEnd(flagWidth)}  ${setting.variable.padEnd(variableWidth)}  ${setting.description} [default: ${setting.fallback}]`,
    ),
    "",
    "Exit codes: 0 stopped cleanly (SIGTERM, SIGINT), 1 could not start or failed, 2 bad setting or command line.",
  ];
  return `${lines.join("\n")}\n`;
}

function formatDefault(value: unknown): string {
  if (value === undefined) return "none";
  if (Array.isArray(value)) return value.join(",");
  if (typeof value === "object" && value !== null) return Object.keys(value).length === 0 ? "none (open mode)" : JSON.stringify(value);
  if (typeof value === "boolean") return value ? "on" : "off";
  return String(value);
}
