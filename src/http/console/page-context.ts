// What a console page is rendered from: the reader's locale, the form token, and reads through
// the admin API (the same routes the CLI reads).
import type { Locale } from "./i18n/locale.ts";

export interface PageContext {
  l: Locale;
  csrf: string;
  /** This page's path and query, where an action returns to. */
  back: string;
  query: URLSearchParams;
  nodeName: string;
  /** GET on the admin API; throws AdminReadError on an error answer. */
  get<T>(path: string): Promise<T>;
}

export class AdminReadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "AdminReadError";
  }
}
