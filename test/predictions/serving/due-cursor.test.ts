// customersDue's cursors carry the exact sort key of a row, and anything else is a client mistake.
import { decodeDueCursor, encodeDueCursor } from "../../../src/predictions/serving/due-cursor";

describe("due cursors", () => {
  it("carry the probability to the last binary digit, the day and the customer", () => {
    for (const probability of [0, 1, 0.1 + 0.2, 5.46e-7, 1 - 2 ** -53]) {
      const key = {
        probability,
        nextPurchaseAt: new Date("2026-03-12T05:00:00.000Z"),
        customerId: 2_147_483_647,
      };
      expect(decodeDueCursor(encodeDueCursor(key))).toEqual(key);
    }
  });

  it.each([
    ["not base64 of a cursor", "bm90LWEtY3Vyc29y"],
    ["the old format", Buffer.from("due1:1773291600000:42").toString("base64url")],
    ["a probability above 1", Buffer.from("due2:3ff8000000000000:0:1").toString("base64url")],
    ["a NaN probability", Buffer.from("due2:7ff8000000000000:0:1").toString("base64url")],
    ["an id beyond the id column", Buffer.from("due2:3fe0000000000000:0:9999999999").toString("base64url")],
    ["a date after year 9999", Buffer.from("due2:3fe0000000000000:999999999999999:1").toString("base64url")],
  ])("refuses %s with BAD_USER_INPUT", (_, cursor) => {
    expect(() => decodeDueCursor(cursor)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /^after: expected a cursor returned by customersDue \(an endCursor\), got "/,
        ),
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    );
  });
});
