import { describe, expect, test } from "vitest";
import { WakeQueue } from "../../src/bus/wake-queue.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("WakeQueue", () => {
  test("polls woken in one turn are woken together on the next, each once, in order; a later turn starts a new round", async () => {
    const queue = new WakeQueue();
    const woken: string[] = [];
    const poll = (name: string) => ({ wake: () => void woken.push(name) });
    queue.add(poll("a"));
    queue.add(poll("b"));
    expect(woken).toEqual([]);
    await nextTurn();
    expect(woken).toEqual(["a", "b"]);
    queue.add(poll("c"));
    await nextTurn();
    expect(woken).toEqual(["a", "b", "c"]);
  });

  test("a poll woken while the queue wakes others waits for the turn after", async () => {
    const queue = new WakeQueue();
    const woken: string[] = [];
    queue.add({
      wake() {
        woken.push("first");
        queue.add({ wake: () => void woken.push("second") });
      },
    });
    await nextTurn();
    expect(woken).toEqual(["first"]);
    await nextTurn();
    expect(woken).toEqual(["first", "second"]);
  });
});
