// A font file imported in the Workers bundle is a data module: its bytes (wrangler.toml's rules).
declare module "*.ttf" {
  const bytes: ArrayBuffer;
  export default bytes;
}
