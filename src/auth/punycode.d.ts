// The npm `punycode` package (RFC 3492), imported as 'punycode/' so Node's deprecated
// built-in module of the same name is not picked instead. It ships no types.
declare module 'punycode/' {
  export function encode(input: string): string;
  export function decode(input: string): string;
}
