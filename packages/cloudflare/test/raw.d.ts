// Vite's `?raw` imports (a file's text), used by src/readme-binding.test.ts to compare the README with the code it runs.
declare module '*?raw' {
  const text: string
  export default text
}
