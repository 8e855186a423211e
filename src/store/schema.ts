// Kept so that imports of the single schema file still work; the tables live in schema/, per area.
export * from "./schema/index.ts";
