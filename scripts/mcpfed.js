#!/usr/bin/env node
// `mcpfed` bin: runs the TypeScript CLI through tsx's loader, so the package ships no build step.
import { register } from "tsx/esm/api";

register();
await import(new URL("../src/cli/main.ts", import.meta.url).href);
