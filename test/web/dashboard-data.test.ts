// The dashboard's DOM-free parts: the timeline's purchase days and the CSV export.
import { toCsv } from "../../web/dashboard/csv";
import { purchaseDays } from "../../web/dashboard/timeline-data";

const line = (category: string, quantity: number) => ({ quantity, product: { category } });

describe("purchaseDays", () => {
  it("sums each day's quantity per category over that day's baskets, oldest first, predicted categories only", () => {
    const days = purchaseDays(
      [
        { purchasedAt: "2026-03-02T18:00:00", items: [line("MILK", 1), line("BREAD", 1)] },
        { purchasedAt: "2026-03-01T09:00:00", items: [line("MILK", 2), line("MILK", 1), line("SOAP", 4)] },
        { purchasedAt: "2026-03-02T08:00:00", items: [line("MILK", 0.5)] },
      ],
      new Set(["MILK", "BREAD"]),
    );
    expect(days.map((d) => [d.category, d.day.toDateString(), d.quantity])).toEqual([
      ["MILK", new Date(2026, 2, 1).toDateString(), 3],
      ["BREAD", new Date(2026, 2, 2).toDateString(), 1],
      ["MILK", new Date(2026, 2, 2).toDateString(), 1.5],
    ]);
  });

  it("is empty without baskets or categories", () => {
    expect(purchaseDays([], new Set(["MILK"]))).toEqual([]);
    expect(purchaseDays([{ purchasedAt: "2026-03-01", items: [line("MILK", 1)] }], new Set())).toEqual([]);
  });
});

describe("toCsv", () => {
  it("quotes what needs quoting and ends every row with CRLF", () => {
    expect(
      toCsv(
        ["name", "note", "n", "ok"],
        [
          ["Ana", 'says "hi", twice', 3, true],
          ["Line\nbreak", "", 0.25, false],
        ],
      ),
    ).toBe('name,note,n,ok\r\nAna,"says ""hi"", twice",3,true\r\n"Line\nbreak",,0.25,false\r\n');
  });

  it("keeps text that looks like a spreadsheet formula as text", () => {
    expect(toCsv(["name"], [['=HYPERLINK("http://x")'], ["+1"], ["-2"], ["@SUM(A1)"], ["ok-ish"]])).toBe(
      'name\r\n"\'=HYPERLINK(""http://x"")"\r\n\'+1\r\n\'-2\r\n\'@SUM(A1)\r\nok-ish\r\n',
    );
    // Numbers are numbers, negative ones included.
    expect(toCsv(["n"], [[-2]])).toBe("n\r\n-2\r\n");
  });
});
