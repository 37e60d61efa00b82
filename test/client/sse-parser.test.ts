import fc from "fast-check";
import { expect, test } from "vitest";
import { SseParser } from "../../src/client/sse-parser.ts";

test("events, ids, comments and multi-line data, as the event-stream format says", () => {
  const parser = new SseParser();
  const text = ': open\n\nid: 7\ndata: {"a":1}\n\n:\n\ndata:first\ndata: second\r\n\r\nid: 9\nevent: ping\ndata\n\nid\n\ndata: x\n\n';
  expect(parser.push(text)).toEqual([
    { id: "7", event: "message", data: '{"a":1}' },
    { id: "7", event: "message", data: "first\nsecond" },
    { id: "9", event: "ping", data: "" },
    { id: "", event: "message", data: "x" },
  ]);
  expect(parser.comments).toBe(2);
});

test("the same events whatever the chunk boundaries and line ends (\\n, \\r\\n, \\r)", () => {
  const events = fc.array(fc.record({ id: fc.nat(), data: fc.string({ unit: "grapheme" }).filter((s) => !/[\r\n]/.test(s)) }), { maxLength: 8 });
  fc.assert(
    fc.property(events, fc.constantFrom("\n", "\r\n", "\r"), fc.array(fc.nat(), { maxLength: 10 }), (list, eol, cuts) => {
      const text = list.map(({ id, data }) => `:${eol}id: ${id}${eol}data: ${data}${eol}${eol}`).join("");
      const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
      const parser = new SseParser();
      const got = [];
      let from = 0;
      for (const point of [...points, text.length]) {
        got.push(...parser.push(text.slice(from, point)));
        from = point;
      }
      expect(got).toEqual(list.map(({ id, data }) => ({ id: String(id), event: "message", data })));
      expect(parser.comments).toBe(list.length);
    }),
  );
});
