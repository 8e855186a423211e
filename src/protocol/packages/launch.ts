// How an installed package starts, and what it may touch (protocol §18). A package runs under a
// runtime the node controls (Node or Deno), never an arbitrary command, so that every permission
// it gets is one its entry declared: the sandbox is built from this and nothing else.
import { z } from "zod";

/** `host` or `host:port`; no scheme, no path, no wildcard but a leading `*.`. */
const netHost = z
  .string()
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/, "a host name or host:port");

/** A path inside the package's own folder: relative, without `..`. */
const packagePath = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => !p.startsWith("/") && !p.split(/[\\/]/).includes(".."), "a relative path inside the package");

/** At the start of an argument or a variable's value: the unpacked package's folder (an MCP bundle's `${__dirname}`, §18.1). */
export const PACKAGE_TOKEN = "{package}";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "an environment variable name");

export const packagePermissions = z
  .object({
    /** Hosts the package may connect to; none by default. */
    net: z.array(netHost).max(32).default([]),
    /** Paths it may read besides its own code, relative to its data folder. */
    read: z.array(packagePath).max(32).default([]),
    /** Paths it may write, relative to its data folder. */
    write: z.array(packagePath).max(32).default([]),
    /** Environment variables it may read: only these are passed in. */
    env: z.array(envName).max(64).default([]),
  })
  .strict();
export type PackagePermissions = z.infer<typeof packagePermissions>;

export const packageEnvVar = z
  .object({
    name: envName,
    description: z.string().max(512).default(""),
    required: z.boolean().default(false),
    /** A secret is sealed at rest and never shown back. */
    secret: z.boolean().default(false),
    /** The value when the operator gives none (an MCP bundle's literal or default value, §18.2). */
    default: z.string().max(4096).optional(),
  })
  .strict();
export type PackageEnvVar = z.infer<typeof packageEnvVar>;

export const packageLaunch = z
  .object({
    runtime: z.enum(["node", "deno"]),
    /** The script to run, relative to the unpacked artifact's root. */
    entry: packagePath,
    args: z.array(z.string().max(1024)).max(64).default([]),
    env: z.array(packageEnvVar).max(64).default([]),
    permissions: packagePermissions.default({ net: [], read: [], write: [], env: [] }),
  })
  .strict();
export type PackageLaunch = z.infer<typeof packageLaunch>;
