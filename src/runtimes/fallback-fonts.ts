// The invoice PDFs' fallback fonts (SIL OFL 1.1; one weight each, regular): the file each comes
// from in node_modules (read there on Node and Deno), and its path among the Workers static assets
// (copied there by scripts/worker-font-assets.ts, fetched through the binding).
import type { FallbackScript } from "../node/settings/platform.ts";

export const FALLBACK_FONTS: Record<FallbackScript, { file: string; asset: string }> = {
  // Han, kana and CJK punctuation: Noto Sans SC, 10.1 MiB.
  cjk: { file: "@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf", asset: "/fonts/NotoSansSC-Regular.ttf" },
  // Hangul: Noto Sans KR, 5.9 MiB.
  hangul: { file: "@expo-google-fonts/noto-sans-kr/400Regular/NotoSansKR_400Regular.ttf", asset: "/fonts/NotoSansKR-Regular.ttf" },
};
