// The console markup written as text (markup.ts) bypasses JSX's escaping, so it escapes itself:
// a tool name, label or return path carrying markup must come out as text, never as elements.
import { describe, expect, it } from "vitest";
import { BarChart } from "../../src/http/console/charts.tsx";
import { Action } from "../../src/http/console/layout.tsx";

const HOSTILE = `x"><script>alert('1')</script>&`;
const ESCAPED = "x&quot;&gt;&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&amp;";

describe("console markup written as text", () => {
  it("escapes every field, label and option of an action form", async () => {
    const html = String(Action({ csrf: HOSTILE, back: HOSTILE, action: "tool-rename", fields: { name: HOSTILE }, label: HOSTILE, input: { name: "to", label: HOSTILE, options: [HOSTILE] } }));
    expect(html).not.toContain("<script>");
    expect(html).toContain(`<input type="hidden" name="_csrf" value="${ESCAPED}"/>`);
    expect(html).toContain(`<input type="hidden" name="name" value="${ESCAPED}"/>`);
    expect(html).toContain(`<option value="${ESCAPED}">${ESCAPED}</option>`);
    expect(html).toContain(`<button type="submit">${ESCAPED}</button>`);
    expect(html.match(/<form /g)).toHaveLength(1);
  });

  it("escapes a chart bar's title", async () => {
    const html = String(await BarChart({ title: "t", rtl: false, bars: [{ label: HOSTILE, total: 3, part: 1 }] }).toString());
    expect(html).not.toContain("<script>");
    expect(html).toContain(`<title>${ESCAPED}: 3</title>`);
    expect(html.match(/<rect /g)).toHaveLength(2);
  });
});
