// The operator's version pins on peers' tools, as the composite catalog applies them.
import type { Database } from "../../store/database.ts";
import { listPins } from "../../store/version-pins.ts";

export { listPins, removePin, setPin, type VersionPin } from "../../store/version-pins.ts";

/** Global id (`<origin>/<upstream>/<tool>`) → pinned version, as listFederatedTools takes them. */
export async function pinMap(db: Database): Promise<Map<string, string>> {
  return new Map((await listPins(db)).map((p) => [`${p.origin}/${p.tool}`, p.version]));
}
