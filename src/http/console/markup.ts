// Markup written as text where a page repeats the same few elements many times (an hour's chart
// bars, a form per table row): the same bytes as the JSX would give, at a fraction of its cost.
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text or an attribute's value, escaped as JSX escapes it. */
export const escaped = (text: string) => text.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
