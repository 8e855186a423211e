// Why a package operation was refused (protocol §18): one code per cause, said plainly.
export const PACKAGE_ERROR_CODES = [
  "packages_unsupported",
  "unknown_package",
  "ambiguous_package",
  "not_installed",
  "invalid_request",
  "integrity_mismatch",
  "hash_mismatch",
  "fetch_failed",
  "unsafe_archive",
  "bundle_malformed",
  "unsupported_server_type",
  "unsupported_bundle",
  "version_rollback",
  "no_previous_version",
  "no_newer_version",
  "tampered",
  "in_use",
  "licence_refused",
  "index_unavailable",
  "index_malformed",
  "index_bad_signature",
  "index_expired",
  "index_replayed",
  "not_in_index",
] as const;
export type PackageErrorCode = (typeof PACKAGE_ERROR_CODES)[number];

export class PackageError extends Error {
  override name = "PackageError";
  constructor(
    readonly code: PackageErrorCode,
    message: string,
  ) {
    super(message);
  }
}
