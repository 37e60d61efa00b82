const BOOLEAN_WORDS = new Set(["0", "1", "true", "false", "yes", "no", "on", "off"]);

/**
 * `--test-features` alone means on: a boolean flag not followed by a value (end of the line or
 * another flag) gets "1". `--test-features 0` and `--test-features=off` keep their value.
 */
export function withBooleanFlagValues(argv: readonly string[], booleanFlags: readonly string[]): string[] {
  const names = new Set(booleanFlags.map((flag) => `--${flag}`));
  return argv.map((arg, index) => {
    if (!names.has(arg)) return arg;
    const next = argv[index + 1];
    return next !== undefined && BOOLEAN_WORDS.has(next.toLowerCase()) ? arg : `${arg}=1`;
  });
}
