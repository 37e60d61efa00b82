import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { PollDeadlines } from "../../src/bus/poll-deadlines.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A held poll that notes when it expired. */
function poll(name: string, expired: string[]) {
  return { expire: () => expired.push(name) };
}

/** Deadlines one poll timeout (1 s) long; `hold` adds a poll that notes its name in `expired` when it expires. */
function heldPolls() {
  const deadlines = new PollDeadlines(1000);
  const expired: string[] = [];
  return { deadlines, expired, hold: (name: string) => deadlines.add(poll(name, expired)) };
}

describe("the deadlines of held polls", () => {
  test("expire in the order they were added, each one poll timeout after it came, on one timer", () => {
    const { deadlines, expired, hold } = heldPolls();
    hold("a");
    vi.advanceTimersByTime(300);
    hold("b");
    hold("c");
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(699);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(299);
    expect(expired).toEqual(["a"]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["a", "b", "c"]);
    expect(deadlines.size).toBe(0);
    expect(deadlines.armed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("a deadline removed from the middle never expires; the others still do", () => {
    const { deadlines, expired, hold } = heldPolls();
    hold("a");
    const b = hold("b");
    hold("c");
    deadlines.remove(b);
    deadlines.remove(b);
    expect(deadlines.size).toBe(2);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(["a", "c"]);
  });

  test("with the head removed, the timer re-arms for the next deadline", () => {
    const { deadlines, expired, hold } = heldPolls();
    const a = hold("a");
    vi.advanceTimersByTime(400);
    hold("b");
    deadlines.remove(a);
    vi.advanceTimersByTime(600);
    expect(expired).toEqual([]);
    expect(deadlines.armed).toBe(true);
    vi.advanceTimersByTime(399);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(["b"]);
    expect(deadlines.armed).toBe(false);
  });

  test("nothing is left armed once every deadline is removed, and a new one arms again", () => {
    const { deadlines, expired, hold } = heldPolls();
    const a = hold("a");
    const b = hold("b");
    deadlines.remove(b);
    deadlines.remove(a);
    expect(deadlines.armed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);

    hold("c");
    expect(deadlines.armed).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(["c"]);
  });

  test("removing a deadline that has expired changes nothing", () => {
    const { deadlines, expired, hold } = heldPolls();
    const a = hold("a");
    vi.advanceTimersByTime(500);
    hold("b");
    vi.advanceTimersByTime(500);
    deadlines.remove(a);
    expect(deadlines.size).toBe(1);
    vi.advanceTimersByTime(500);
    expect(expired).toEqual(["a", "b"]);
  });

  test("a poll added while others expire gets its own full timeout", () => {
    const { deadlines, expired, hold } = heldPolls();
    deadlines.add({
      expire: () => {
        expired.push("a");
        hold("again");
      },
    });
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(["a"]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(["a", "again"]);
  });

  test("an owner that throws on expiry does not keep the deadlines after it from expiring", () => {
    const { deadlines, expired, hold } = heldPolls();
    deadlines.add({
      expire: () => {
        throw new Error("broken");
      },
    });
    vi.advanceTimersByTime(500);
    hold("b");
    expect(() => vi.advanceTimersByTime(500)).toThrow("broken");
    vi.advanceTimersByTime(500);
    expect(expired).toEqual(["b"]);
  });
});
