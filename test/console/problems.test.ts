import { expect, test } from "vitest";
import { problemsOf } from "../../src/console/problems.ts";

test("a terminal offline and behind counts once; refused edits add up; idle and waiting are no problem", () => {
  const terminals = [
    { state: "offline" as const, behind: true },
    { state: "online" as const, behind: true },
    { state: "idle" as const },
    { state: "waiting" as const },
  ];
  expect(problemsOf(terminals, 2)).toEqual({ offline: 1, behind: 2, refusedLastHour: 2, count: 4 });
  expect(problemsOf([], 0)).toEqual({ offline: 0, behind: 0, refusedLastHour: 0, count: 0 });
});
