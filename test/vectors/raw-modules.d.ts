/** Vite's `?raw` imports: the file's text, byte for byte, so a test can pin its sha256. */
declare module "*?raw" {
  const text: string;
  export default text;
}
