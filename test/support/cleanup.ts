// Runs in every test file (vitest.config.ts setupFiles): after the file's own afterAll hooks have
// stopped its processes, the data folders they used are removed.
import { afterAll } from "vitest";
import { removeTempDirs } from "./processes.ts";

afterAll(removeTempDirs);
