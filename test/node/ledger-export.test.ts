import { describe, expect, it } from "vitest";
import { balancesCsv, balancesJson, csvField } from "../../src/node/ledger/export.ts";

describe("balance export", () => {
  const rows = [
    { peer: "abc", unit: 'we,ird "unit"', earned: 5, spent: 2, cleared: 1, settled: -1, net: 3, calls: 4 },
    { peer: "def", unit: "=HYPERLINK(1)", earned: 0, spent: 7, cleared: 0, settled: 0, net: -7, calls: 1 },
  ];

  it("escapes CSV fields and defuses formulas", () => {
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
    expect(csvField(-7)).toBe("-7");
    expect(balancesCsv(rows)).toBe('peer,unit,earned,spent,net,calls,cleared,settled\r\nabc,"we,ird ""unit""",5,2,3,4,1,-1\r\ndef,\'=HYPERLINK(1),0,7,-7,1,0,0\r\n');
  });

  it("exports JSON with the same columns", () => {
    expect(JSON.parse(balancesJson(rows))).toEqual(rows);
    expect(Object.keys(JSON.parse(balancesJson(rows))[0])).toEqual(["peer", "unit", "earned", "spent", "net", "calls", "cleared", "settled"]);
  });
});
